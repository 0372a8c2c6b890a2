import type { CreateUserResponse } from "@enroll/validators";
import { loadConfig } from "../../src/config/index.ts";
import type { ResponseHeaders } from "../../src/http/exchange.ts";
import { failureHeaders } from "../../src/http/failures.ts";
import type { Services } from "../../src/http/services.ts";
import { signUpHeaders } from "../../src/http/sign-up-answer.ts";
import type { Requester } from "../../src/requester.ts";
import { createCaller } from "../../src/trpc/root.ts";
import { createUser } from "../../src/users/sign-up.ts";

interface RequestOptions {
  /** The request's headers, by lower-case name. */
  headers?: Record<string, string | undefined>;
  /** The environment the configuration is read from. */
  settings?: Record<string, string>;
  requestId?: string;
  clientAddress?: string;
}

/** One request as a door hands it to the rules: the services, who asks, its headers, and the headers of its answer. */
export interface TestRequest {
  services: Services;
  requester: Requester;
  header(name: string): string | undefined;
  responseHeaders: ResponseHeaders;
}

/** One POST as a door would read it: the shared parts, `settings`' configuration, and the request. */
export function requestContext(
  shared: Pick<Services, "db" | "keys">,
  { headers = {}, settings = {}, requestId = "request", clientAddress = "192.0.2.7" }: RequestOptions = {},
): TestRequest {
  return {
    // Signing up signs the user straight in unless verification is required (no longer the default): tests of that say so.
    services: { ...shared, config: loadConfig({ EMAIL_REQUIRE_VERIFICATION: "false", ...settings }) },
    requester: { requestId, address: clientAddress, userAgent: headers["user-agent"] },
    header: (name) => headers[name],
    responseHeaders: {},
  };
}

/**
 * A sign-up as a door makes it: the service with what the request says, then its answer's headers
 * (http/sign-up-answer.ts, or a failure's) into `responseHeaders`. Services alone: an in-process call.
 */
export async function signUpAt(at: TestRequest | Services, input: { email: string }): Promise<CreateUserResponse> {
  if (!("services" in at)) return (await createUser(at, input)).user;
  try {
    const result = await createUser(at.services, { ...input, idempotencyKey: at.header("idempotency-key"), requester: at.requester });
    Object.assign(at.responseHeaders, signUpHeaders(result, at.services.config.session));
    return result.user;
  } catch (error) {
    Object.assign(at.responseHeaders, failureHeaders(error, 0));
    throw error;
  }
}

/** The tRPC procedures as the door calls them for this request. */
export function callerAt({ services, requester, header, responseHeaders }: TestRequest) {
  return createCaller({ services, request: { requester, header, fromForeignSite: false, responseHeaders } });
}

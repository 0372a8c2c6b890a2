import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import createClient from "openapi-fetch";
import type { AppRouter } from "@enroll/api";
import type { components, paths } from "./generated/enroll-api.ts";

export type CreatedUser = components["schemas"]["CreateUserResponseObject"];
export type Refusal = components["schemas"]["Error"];

/** What the server said: the new user, or no with its status and sentence. */
export type Outcome = { created: CreatedUser } | { refused: Refusal };

/** The server did not answer at all. */
export class UnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`could not reach ${url}: ${innermostMessage(cause)}`, { cause });
  }
}

/** `POST /users`, with a client typed from the OpenAPI document that the app serves. */
export async function createViaRest(baseUrl: string, email: string): Promise<Outcome> {
  const client = createClient<paths>({ baseUrl });
  const { data, error, response } = await client
    .POST("/users", { body: { email } })
    .catch((cause: unknown) => Promise.reject(new UnreachableError(baseUrl, cause)));
  if (data) return { created: data };
  // A proxy in front of the app may answer without the JSON body; the status still speaks.
  return { refused: { code: response.status, message: error?.message ?? response.statusText } };
}

/** The `users.create` mutation, with a client typed from the app's router. */
export async function createViaTrpc(baseUrl: string, email: string): Promise<Outcome> {
  const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: new URL("/api/trpc", baseUrl).href })] });
  try {
    return { created: await client.users.create.mutate({ email }) };
  } catch (cause) {
    if (cause instanceof TRPCClientError && cause.data) {
      const { data, message } = cause as TRPCClientError<AppRouter>;
      return { refused: { code: data!.httpStatus, message } };
    }
    throw new UnreachableError(baseUrl, cause);
  }
}

function innermostMessage(error: unknown): string {
  let innermost = error;
  while (innermost instanceof Error && innermost.cause) innermost = innermost.cause;
  return innermost instanceof Error ? innermost.message || innermost.name : String(innermost);
}

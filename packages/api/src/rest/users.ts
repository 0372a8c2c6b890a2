import { createUserInput } from "@enroll/validators";
import { readJsonBody } from "../http/body.ts";
import { jsonResponse, type HttpRequest, type HttpResponse, type ResponseHeaders } from "../http/exchange.ts";
import { errorResponse } from "../http/failures.ts";
import type { Services } from "../http/services.ts";
import { rateLimitHeaders, signUpHeaders } from "../http/sign-up-answer.ts";
import { admitSignUp, countSignUp, createUser } from "../users/sign-up.ts";

/**
 * `POST /users`, Hanko's "Create a user": admitted first (sign-up open, the client within its rate
 * limit; before the body is read), then the body must be a small JSON object whose `email` passes
 * the same schema as the `users.create` procedure, before the same service runs. Where the client
 * stands against its limit goes with every answer.
 */
export async function postUsers(request: HttpRequest, services: Services): Promise<HttpResponse> {
  let limitHeaders: ResponseHeaders = {};
  try {
    limitHeaders = rateLimitHeaders(await admitSignUp(services, request.requester));
    const { email } = createUserInput.parse(await readJsonBody(request));
    const result = await createUser(services, { email, idempotencyKey: request.header("idempotency-key"), requester: request.requester });
    countSignUp(services, { result });
    return jsonResponse(200, result.user, { ...limitHeaders, ...signUpHeaders(result, services.config.session) });
  } catch (failure) {
    countSignUp(services, { failure });
    return errorResponse(failure, limitHeaders);
  }
}

import { createUserInput } from "@enroll/validators";
import { forRequest, type Context } from "../context.ts";
import { errorResponse, jsonResponse, type HttpRequest, type HttpResponse } from "../http/exchange.ts";
import { limitSignUp } from "../limits/rate-limit.ts";
import { assertSignUpAllowed, createUser } from "../services/create-user.ts";
import { MethodNotAllowedError, readJsonBody } from "./body.ts";

/**
 * `/users`, whichever server received the request. `POST` is Hanko's "Create a user": the client
 * must be within its sign-up rate limit and sign-up enabled (both checked before the body is read),
 * the body must be a small JSON object, and its
 * `email` must pass the same schema as the `users.create` procedure before the same service runs.
 * Every other method is answered 405.
 */
export async function handleUsers(request: HttpRequest, context: Context): Promise<HttpResponse> {
  if (request.method !== "POST") return errorResponse(new MethodNotAllowedError(), { Allow: "POST" });
  const signUp = forRequest(context, request);
  const { responseHeaders } = signUp.request!;
  try {
    await limitSignUp(signUp);
    assertSignUpAllowed(context.config);
    const input = createUserInput.parse(await readJsonBody(request));
    return jsonResponse(200, await createUser(signUp, input), responseHeaders);
  } catch (error) {
    return errorResponse(error, responseHeaders);
  }
}

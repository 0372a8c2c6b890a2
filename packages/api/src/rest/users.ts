import { createUserInput } from "@enroll/validators";
import { jsonResponse } from "../http/exchange.ts";
import { limitSignUp } from "../limits/rate-limit.ts";
import { assertSignUpAllowed, createUser } from "../services/create-user.ts";
import { readJsonBody } from "./body.ts";
import { route } from "./route.ts";

/**
 * `/users`, whichever server received the request. `POST` is Hanko's "Create a user": the client
 * must be within its sign-up rate limit and sign-up enabled (both checked before the body is read),
 * the body must be a small JSON object, and its
 * `email` must pass the same schema as the `users.create` procedure before the same service runs.
 * Every other method is answered 405.
 */
export const handleUsers = route("POST", async (signUp, request) => {
  await limitSignUp(signUp);
  assertSignUpAllowed(signUp.config);
  const input = createUserInput.parse(await readJsonBody(request));
  return jsonResponse(200, await createUser(signUp, input));
});

import { randomUUID } from "node:crypto";
import { createUserInput } from "@enroll/validators";
import type { Context } from "../context.ts";
import { toErrorBody } from "../errors.ts";
import { assertSignUpAllowed, createUser } from "../services/create-user.ts";
import { MethodNotAllowedError, readJsonBody } from "./body.ts";

/**
 * `POST /users`, Hanko's "Create a user", for any runtime that speaks the Fetch API: sign-up must be
 * enabled (checked before the body is read), the body must be a small JSON object, and its `email`
 * must pass the same schema as the `users.create` procedure before the same service runs.
 */
export async function handleCreateUser(request: Request, context: Context): Promise<Response> {
  const requestId = requestIdOf(request);
  try {
    assertSignUpAllowed(context.config);
    const input = createUserInput.parse(await readJsonBody(request));
    return json(200, await createUser(context, input), requestId);
  } catch (error) {
    const body = toErrorBody(error);
    return json(body.code, body, requestId);
  }
}

/** Any other method on `/users`. */
export function handleMethodNotAllowed(request: Request): Response {
  const response = json(405, toErrorBody(new MethodNotAllowedError()), requestIdOf(request));
  response.headers.set("Allow", "POST");
  return response;
}

/** The caller's `X-Request-Id` when it sent a reasonable one, else a new one. */
function requestIdOf(request: Request): string {
  const given = request.headers.get("x-request-id");
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

function json(status: number, body: unknown, requestId: string): Response {
  return Response.json(body, { status, headers: { "X-Request-Id": requestId } });
}

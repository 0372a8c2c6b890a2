import { forRequest, type Context } from "../context.ts";
import { errorResponse, jsonResponse, type HttpResponse } from "../http/exchange.ts";
import { authenticate, signOut, userForSession } from "../sessions/sessions.ts";
import { MethodNotAllowedError } from "./body.ts";
import type { Route } from "./routes.ts";

/**
 * A route of the session API, whichever server received the request: `method` only (405 with
 * `Allow` otherwise), then `answer` with the request's context; the headers the rules added
 * (a cleared cookie) go with the answer, and any failure becomes the contract's `{code, message}`.
 */
function sessionRoute(method: string, answer: (context: Context) => Promise<HttpResponse>): Route {
  return async (request, context) => {
    if (request.method !== method) return errorResponse(new MethodNotAllowedError(), { Allow: method });
    const scoped = forRequest(context, request);
    const { responseHeaders } = scoped.request!;
    try {
      const response = await answer(scoped);
      return { ...response, headers: { ...responseHeaders, ...response.headers } };
    } catch (error) {
      return errorResponse(error, responseHeaders);
    }
  };
}

/** `GET /me`: the id of the user whose session the request carries. */
export const handleMe = sessionRoute("GET", async (context) => jsonResponse(200, { id: (await authenticate(context)).userId }));

/** `POST /logout`: ends the request's session and clears its cookie. */
export const handleLogout = sessionRoute("POST", async (context) => {
  await signOut(context);
  return { status: 204, headers: {}, body: "" };
});

/** `GET /users/{id}`: the signed-in user, to that user alone. */
export function handleUser(id: string): Route {
  return sessionRoute("GET", async (context) => jsonResponse(200, await userForSession(context, id)));
}

/** `GET /.well-known/jwks.json`: the public keys that verify our tokens, cached for ten minutes as the reference does. */
export const handleJwks = sessionRoute("GET", async ({ keys }) =>
  jsonResponse(200, keys.publicJwks(), { "Cache-Control": "max-age=600" }),
);

/** The session API's route for a path, if it has one: what server.ts hands these paths to. */
export function sessionRouteFor(path: string): Route | undefined {
  if (path === "/me") return handleMe;
  if (path === "/logout") return handleLogout;
  if (path === "/.well-known/jwks.json") return handleJwks;
  const userId = /^\/users\/([^/]+)$/.exec(path)?.[1];
  return userId === undefined ? undefined : handleUser(userId);
}

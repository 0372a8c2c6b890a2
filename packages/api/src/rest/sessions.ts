import { jsonResponse } from "../http/exchange.ts";
import { authenticate, signOut, userForSession } from "../sessions/sessions.ts";
import { route, type Route } from "./route.ts";

/** `GET /me`: the id of the user whose session the request carries. */
export const handleMe = route("GET", async (context) => jsonResponse(200, { id: (await authenticate(context)).userId }));

/** `POST /logout`: ends the request's session and clears its cookie. */
export const handleLogout = route("POST", async (context) => {
  await signOut(context);
  return { status: 204, headers: {}, body: "" };
});

/** `GET /users/{id}`: the signed-in user, to that user alone. */
export function handleUser(id: string): Route {
  return route("GET", async (context) => jsonResponse(200, await userForSession(context, id)));
}

/** `GET /.well-known/jwks.json`: the public keys that verify our tokens, cached for ten minutes as the reference does. */
export const handleJwks = route("GET", async ({ keys }) =>
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

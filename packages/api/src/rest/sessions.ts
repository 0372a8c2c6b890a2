import { sessionCookie, sessionTokenOf } from "../http/cookies.ts";
import { jsonResponse, type HttpRequest, type HttpResponse } from "../http/exchange.ts";
import type { Services } from "../http/services.ts";
import { authenticate, signOut, userForSession } from "../sessions/sessions.ts";

const tokenOf = (request: HttpRequest, { config }: Services) => sessionTokenOf(request.header, config.session);

/** `GET /me`: the id of the user whose session the request carries. */
export async function getMe(request: HttpRequest, services: Services): Promise<HttpResponse> {
  return jsonResponse(200, { id: (await authenticate(services, tokenOf(request, services))).userId });
}

/** `POST /logout`: ends the request's session and clears its cookie. */
export async function postLogout(request: HttpRequest, services: Services): Promise<HttpResponse> {
  await signOut(services, tokenOf(request, services));
  return { status: 204, headers: { "Set-Cookie": [sessionCookie(services.config.session, "", 0)] }, body: "" };
}

/** `GET /users/{id}`: the signed-in user, to that user alone. */
export async function getUser(request: HttpRequest, services: Services): Promise<HttpResponse> {
  return jsonResponse(200, await userForSession(services, tokenOf(request, services), request.params.id!));
}

/** `GET /.well-known/jwks.json`: the public keys that verify our tokens, cached for ten minutes as the reference does. */
export async function getJwks(_request: HttpRequest, { keys }: Services): Promise<HttpResponse> {
  return jsonResponse(200, keys.publicJwks(), { "Cache-Control": "max-age=600" });
}

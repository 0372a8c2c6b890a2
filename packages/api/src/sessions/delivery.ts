import { stringifySetCookie, type SetCookie } from "cookie";
import type { Config } from "../config.ts";
import type { RequestScope } from "../context.ts";
import { addCookie, cookieOf } from "../http/cookies.ts";

function sessionCookie({ name, domain, secure, httpOnly, sameSite }: Config["session"]["cookie"], value: string, maxAge: number): SetCookie {
  return { name, value, maxAge, path: "/", domain, secure, httpOnly, sameSite };
}

/**
 * Hands a new session's token to the client as the reference does: in the session cookie (or in
 * `X-Auth-Token` with SESSION_ENABLE_AUTH_TOKEN_HEADER), its lifetime in `X-Session-Lifetime`.
 */
export function deliverSession(request: RequestScope, settings: Config["session"], token: string): void {
  const headers = request.responseHeaders;
  if (settings.enableAuthTokenHeader) headers["X-Auth-Token"] = token;
  else addCookie(headers, stringifySetCookie(sessionCookie(settings.cookie, token, settings.lifespanSeconds)));
  headers["X-Session-Lifetime"] = String(settings.lifespanSeconds);
}

/** Tells the browser to forget the session cookie (`Max-Age=0`). */
export function clearSessionCookie(request: RequestScope, settings: Config["session"]): void {
  addCookie(request.responseHeaders, stringifySetCookie(sessionCookie(settings.cookie, "", 0)));
}

/** The token a request carries: `Authorization: Bearer <jwt>`, or else the session cookie. */
export function sessionTokenOf(request: RequestScope | undefined, settings: Config["session"]): string | undefined {
  const bearer = /^Bearer +(\S+)$/i.exec(request?.header("authorization") ?? "")?.[1];
  return bearer ?? cookieOf(request?.header("cookie"), settings.cookie.name);
}

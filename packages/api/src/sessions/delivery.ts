import { parse as parseCookies, serialize as serializeCookie, type SerializeOptions } from "cookie";
import type { Config } from "../config.ts";
import type { RequestScope } from "../context.ts";

/** The cookie that tells the reference's browser SDK which address the new session signed up with. */
const EMAIL_ID_COOKIE = "hanko_email_id";

/** What the client is given of a new session: its token and how long it lasts. */
export interface IssuedSession {
  token: string;
  lifespanSeconds: number;
  emailId: string;
}

const SAME_SITE = { strict: "strict", lax: "lax", none: "none" } as const;

function sessionCookieOptions(cookie: Config["session"]["cookie"]): SerializeOptions {
  return {
    path: "/",
    domain: cookie.domain,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: SAME_SITE[cookie.sameSite],
  };
}

function addSetCookie(request: RequestScope, cookie: string): void {
  const earlier = request.responseHeaders["Set-Cookie"];
  request.responseHeaders["Set-Cookie"] = [...(earlier === undefined ? [] : [earlier].flat()), cookie];
}

/**
 * Hands a new session to the client as the reference does: the token in the session cookie (or in
 * `X-Auth-Token` with SESSION_ENABLE_AUTH_TOKEN_HEADER), its lifetime in `X-Session-Lifetime`, and
 * the address's id in the `hanko_email_id` cookie.
 */
export function deliverSession(request: RequestScope, settings: Config["session"], session: IssuedSession): void {
  if (settings.enableAuthTokenHeader) {
    request.responseHeaders["X-Auth-Token"] = session.token;
  } else {
    addSetCookie(
      request,
      serializeCookie(settings.cookie.name, session.token, { ...sessionCookieOptions(settings.cookie), maxAge: session.lifespanSeconds }),
    );
  }
  request.responseHeaders["X-Session-Lifetime"] = String(session.lifespanSeconds);
  // SameSite=None lets the reference's SDK read it across sites, which browsers allow only when Secure.
  addSetCookie(
    request,
    serializeCookie(EMAIL_ID_COOKIE, session.emailId, {
      path: "/",
      domain: settings.cookie.domain,
      secure: settings.cookie.secure,
      httpOnly: settings.cookie.httpOnly,
      sameSite: settings.cookie.secure ? "none" : "lax",
    }),
  );
}

/** Tells the browser to forget the session cookie (`Max-Age=0`). */
export function clearSessionCookie(request: RequestScope, settings: Config["session"]): void {
  addSetCookie(request, serializeCookie(settings.cookie.name, "", { ...sessionCookieOptions(settings.cookie), maxAge: 0 }));
}

/** The token a request carries: `Authorization: Bearer <jwt>`, or else the session cookie. */
export function sessionTokenOf(request: RequestScope | undefined, settings: Config["session"]): string | undefined {
  const bearer = /^Bearer +(\S+)$/i.exec(request?.header("authorization") ?? "")?.[1];
  if (bearer) return bearer;
  const cookies = request?.header("cookie");
  return cookies ? parseCookies(cookies)[settings.cookie.name] || undefined : undefined;
}

import { parseCookie, stringifySetCookie } from "cookie";
import type { Config } from "../config/index.ts";

type SessionSettings = Config["session"];

/**
 * The session cookie as the reference sets it (SESSION_COOKIE_*), holding `token` for `maxAge`
 * seconds; an empty one with `maxAge` 0 tells the browser to forget it.
 */
export function sessionCookie({ cookie }: SessionSettings, token: string, maxAge: number): string {
  const { name, domain, secure, httpOnly, sameSite } = cookie;
  return stringifySetCookie({ name, value: token, maxAge, path: "/", domain, secure, httpOnly, sameSite });
}

/**
 * `hanko_email_id=<email id>`, which the reference sets after every sign-up so that its elements
 * know where to send the first passcode. `SameSite=None` as in the reference, which sends it with
 * cross-site requests too (browsers take that only from a Secure cookie, so `Lax` without one); no
 * `Max-Age`: it lasts the browser session. `Path=/`, so that a sign-up through /api/trpc/* sets it
 * for the whole site as `POST /users` does. HttpOnly, Secure and the domain follow the session cookie's.
 */
export function emailIdCookie(emailId: string, { domain, httpOnly, secure }: SessionSettings["cookie"]): string {
  return stringifySetCookie({ name: "hanko_email_id", value: emailId, path: "/", domain, httpOnly, secure, sameSite: secure ? "none" : "lax" });
}

/** The session token a request carries: `Authorization: Bearer <jwt>`, or else the session cookie. */
export function sessionTokenOf(header: (name: string) => string | undefined, { cookie }: SessionSettings): string | undefined {
  const bearer = /^Bearer +(\S+)$/i.exec(header("authorization") ?? "")?.[1];
  if (bearer) return bearer;
  const cookies = header("cookie");
  return cookies ? parseCookie(cookies)[cookie.name] || undefined : undefined;
}

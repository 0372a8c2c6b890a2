import { parseCookie, stringifySetCookie } from "cookie";
import type { ResponseHeaders } from "./exchange.ts";

/**
 * How the reference sets its cookies (Hanko's `session.cookie`): HttpOnly and Secure unless turned
 * off, and for a domain only when one is configured (else the host that answered).
 */
export interface CookieAttributes {
  domain?: string | undefined;
  httpOnly: boolean;
  secure: boolean;
}

const REFERENCE_COOKIE_ATTRIBUTES: CookieAttributes = { httpOnly: true, secure: true };

/**
 * `hanko_email_id=<email id>`, which the reference sets after every sign-up so that its older
 * elements know where to send the first passcode. `SameSite=None` as in the reference, which sends
 * it with cross-site requests too (browsers take that only from a Secure cookie, so `Lax` without
 * one); no `Max-Age`: it lasts the browser session. `Path=/`, which the reference leaves to the
 * browser, so that a sign-up through /api/trpc/* sets it for the whole site as `POST /users` does.
 */
export function emailIdCookie(emailId: string, { domain, httpOnly, secure }: CookieAttributes = REFERENCE_COOKIE_ATTRIBUTES): string {
  return stringifySetCookie({ name: "hanko_email_id", value: emailId, path: "/", domain, httpOnly, secure, sameSite: secure ? "none" : "lax" });
}

/** Adds `cookie` (a `Set-Cookie` value) to an answer's headers, beside any cookie set before it. */
export function addCookie(headers: ResponseHeaders, cookie: string): void {
  const earlier = headers["Set-Cookie"];
  headers["Set-Cookie"] = earlier === undefined ? [cookie] : [...(Array.isArray(earlier) ? earlier : [earlier]), cookie];
}

/** The value of the cookie `name` in a request's `Cookie` header; undefined when absent or empty. */
export function cookieOf(cookieHeader: string | undefined, name: string): string | undefined {
  return cookieHeader ? parseCookie(cookieHeader)[name] || undefined : undefined;
}

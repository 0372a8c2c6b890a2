import { stringifySetCookie } from "cookie";
import type { ResponseHeaders } from "./exchange.ts";

/**
 * How the reference sets its cookies (Hanko's `session.cookie`): HttpOnly and Secure unless turned
 * off, and for a domain only when one is configured (else the host that answered).
 */
export interface CookieAttributes {
  domain?: string;
  httpOnly: boolean;
  secure: boolean;
}

const REFERENCE_COOKIE_ATTRIBUTES: CookieAttributes = { httpOnly: true, secure: true };

/**
 * `hanko_email_id=<email id>`, which the reference sets after every sign-up so that its older
 * elements know where to send the first passcode. `SameSite=None` as in the reference, which sends
 * it with cross-site requests too; no `Max-Age`: it lasts the browser session.
 */
export function emailIdCookie(emailId: string, attributes: CookieAttributes = REFERENCE_COOKIE_ATTRIBUTES): string {
  return stringifySetCookie({ name: "hanko_email_id", value: emailId, sameSite: "none", ...attributes });
}

/** Adds `cookie` (a `Set-Cookie` value) to an answer's headers, beside any cookie set before it. */
export function addCookie(headers: ResponseHeaders, cookie: string): void {
  const earlier = headers["Set-Cookie"];
  headers["Set-Cookie"] = earlier === undefined ? [cookie] : [...(Array.isArray(earlier) ? earlier : [earlier]), cookie];
}

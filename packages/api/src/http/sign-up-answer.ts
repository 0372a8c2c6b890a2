import type { Config } from "../config/index.ts";
import type { RateLimitState } from "../errors.ts";
import type { SignUpResult } from "../users/sign-up.ts";
import { emailIdCookie, sessionCookie } from "./cookies.ts";
import type { ResponseHeaders } from "./exchange.ts";

/** Where the client stands against its sign-up limit, on every answer to a sign-up while limiting is on. */
export function rateLimitHeaders(state: RateLimitState | undefined): ResponseHeaders {
  if (!state) return {};
  return {
    "X-RateLimit-Limit": String(state.limit),
    "X-RateLimit-Remaining": String(state.remaining),
    "X-RateLimit-Reset": String(Math.ceil(state.resetsAt / 1000)),
  };
}

/**
 * A sign-up's result as the headers of its answer, for both doors, as the reference sends them: the
 * session (in the session cookie, or `X-Auth-Token` with SESSION_ENABLE_AUTH_TOKEN_HEADER) with its
 * `X-Session-Lifetime`; the `hanko_email_id` cookie, on a replay too; `Idempotent-Replayed`.
 */
export function signUpHeaders({ user, session, replayed }: SignUpResult, settings: Config["session"]): ResponseHeaders {
  const headers: ResponseHeaders = {};
  const cookies: string[] = [];
  if (session) {
    if (settings.enableAuthTokenHeader) headers["X-Auth-Token"] = session.token;
    else cookies.push(sessionCookie(settings, session.token, session.lifetimeSeconds));
    headers["X-Session-Lifetime"] = String(session.lifetimeSeconds);
  }
  cookies.push(emailIdCookie(user.email_id, settings.cookie));
  headers["Set-Cookie"] = cookies;
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return headers;
}

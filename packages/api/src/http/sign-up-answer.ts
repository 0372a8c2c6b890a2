import type { Config } from "../config/index.ts";
import type { RateLimitState } from "../errors.ts";
import type { StartedSession } from "../sessions/sessions.ts";
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
 * A session that started as the headers of its answer, for both doors, as the reference sends them:
 * the token in the session cookie, or in `X-Auth-Token` with SESSION_ENABLE_AUTH_TOKEN_HEADER, and
 * its `X-Session-Lifetime`. `cookies` are the answer's other cookies, set beside it.
 */
export function sessionHeaders(session: StartedSession | undefined, settings: Config["session"], cookies: string[] = []): ResponseHeaders {
  const headers: ResponseHeaders = {};
  if (session) {
    if (settings.enableAuthTokenHeader) headers["X-Auth-Token"] = session.token;
    else cookies = [sessionCookie(settings, session.token, session.lifetimeSeconds), ...cookies];
    headers["X-Session-Lifetime"] = String(session.lifetimeSeconds);
  }
  if (cookies.length > 0) headers["Set-Cookie"] = cookies;
  return headers;
}

/**
 * A sign-up's result as the headers of its answer: its session (sessionHeaders), the
 * `hanko_email_id` cookie, on a replay too, and `Idempotent-Replayed`.
 */
export function signUpHeaders({ user, session, replayed }: SignUpResult, settings: Config["session"]): ResponseHeaders {
  const headers = sessionHeaders(session, settings, [emailIdCookie(user.email_id, settings.cookie)]);
  if (replayed) headers["Idempotent-Replayed"] = "true";
  return headers;
}

import type { Database } from "@enroll/db";
import type { Config } from "./config.ts";
import type { SignUpRateLimiter } from "./limits/rate-limit.ts";

/** What every service needs: the configuration and the database. Knows nothing about HTTP. */
export interface Context {
  config: Config;
  db: Database;
  /** The sign-up limit per client, shared by both doors; none when rate limiting is off. */
  rateLimiter?: SignUpRateLimiter;
  /** What the doors learned of the request being answered; absent for in-process callers. */
  request?: RequestScope;
}

export interface RequestScope {
  /** The client's address (see clientAddressOf); undefined where the server cannot know it. */
  clientAddress: string | undefined;
  /** The request's `Idempotency-Key` header, as sent. */
  idempotencyKey: string | undefined;
  /** Headers the rules add to the answer, whatever its status: rate-limit counts, `Idempotent-Replayed`. */
  responseHeaders: Record<string, string>;
}

/** The context of one request: the shared one, with what the door read from the request. */
export function forRequest(context: Context, clientAddress: string | undefined, idempotencyKey: string | undefined): Context {
  return { ...context, request: { clientAddress, idempotencyKey, responseHeaders: {} } };
}

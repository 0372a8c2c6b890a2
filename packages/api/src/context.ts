import type { Database } from "@enroll/db";
import type { Config } from "./config.ts";
import type { HttpRequest, ResponseHeaders } from "./http/exchange.ts";
import type { SignUpRateLimiter } from "./limits/rate-limit.ts";
import type { SigningKeys } from "./sessions/keys.ts";
import type { WebhookDelivery } from "./webhooks/delivery.ts";

/** What every service needs: the configuration and the database. Knows nothing about HTTP. */
export interface Context {
  config: Config;
  db: Database;
  /** The session keys (sessions/keys.ts), opened once at start: they sign and verify every token. */
  keys: SigningKeys;
  /** The sign-up limit per client, shared by both doors; none when rate limiting is off. */
  rateLimiter?: SignUpRateLimiter;
  /** Delivers committed webhook events; a sign-up that wrote some wakes it. None where nothing delivers. */
  webhookDelivery?: Pick<WebhookDelivery, "wake">;
  /** What the doors learned of the request being answered; absent for in-process callers. */
  request?: RequestScope;
}

export interface RequestScope {
  /** The id the answer's `X-Request-Id` carries (see requestIdOf). */
  requestId: string;
  /** The client's address (see clientAddressOf); undefined where the server cannot know it. */
  clientAddress: string | undefined;
  /** A header of the request by its lower-case name (`idempotency-key`, `user-agent`, `cookie`...). */
  header(name: string): string | undefined;
  /** Headers the rules add to the answer, whatever its status: rate-limit counts, `Idempotent-Replayed`, cookies. */
  responseHeaders: ResponseHeaders;
}

/** The context of one request: the shared one, with what the door read from the request. */
export function forRequest(context: Context, { requestId, clientAddress, header }: HttpRequest): Context {
  return { ...context, request: { requestId, clientAddress, header, responseHeaders: {} } };
}

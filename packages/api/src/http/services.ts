import type { Config } from "../config/index.ts";
import type { Database } from "@enroll/db";
import type { SignUpRateLimiter } from "../limits/rate-limit.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { SigningKeys } from "../sessions/keys.ts";
import type { WebhookWorker } from "../webhooks/worker.ts";

/**
 * What the routes of both doors call the rules with: everything long-lived that scripts/run.ts
 * opens once, at start, and closes on the way out. Each rule takes only the part it needs.
 */
export interface Services {
  config: Config;
  db: Database;
  /** The session keys, which sign and verify every token. */
  keys: SigningKeys;
  /** The sign-up limit per client, shared by both doors; none when rate limiting is off. */
  rateLimiter?: SignUpRateLimiter | undefined;
  /** Delivers committed webhook events; none while webhooks are off. */
  webhooks?: Pick<WebhookWorker, "wake"> | undefined;
  /** Counts what happens, for the admin listener's /metrics; none in tests that do not look. */
  metrics?: Metrics | undefined;
}

import type { Database } from "@enroll/db";
import type { Config } from "../config/index.ts";
import type { EmailWorker } from "../email/worker.ts";
import type { RateLimiters } from "../limits/rate-limit.ts";
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
  /** The limits of sign-ups per client and of passcodes per user, shared by both doors; none when rate limiting is off. */
  rateLimiter?: RateLimiters | undefined;
  /** Delivers committed webhook events; none while webhooks are off. */
  webhooks?: Pick<WebhookWorker, "wake"> | undefined;
  /** Counts what happens, for the admin listener's /metrics; none in tests that do not look. */
  metrics?: Metrics | undefined;
  /** Sends committed emails by SMTP; none unless EMAIL_DELIVERY_SMTP_HOST is set. */
  mail?: Pick<EmailWorker, "wake"> | undefined;
}

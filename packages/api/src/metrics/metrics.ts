import { z } from "zod";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { isDatabaseUnavailable, poolStatsOf, type Database } from "@enroll/db";
import {
  EmailDomainNotAllowedError,
  EmailTakenError,
  EnrollError,
  ForbiddenError,
  IdempotencyKeyInUseError,
  TooManyRequestsError,
} from "../errors.ts";
import { log } from "../log.ts";
import { outboxDepth } from "../webhooks/outbox.ts";

/**
 * How a sign-up attempt ended, at either door: a new user, a stored answer again, an address
 * taken (or its key's first request still running), a request that was not valid, past the rate
 * limit, refused by a policy (sign-up closed, an address domain not allowed), the database not
 * answering, or anything else.
 */
export type SignUpOutcome = "created" | "replayed" | "conflict" | "invalid" | "rate_limited" | "refused" | "unavailable" | "failed";

/** The outcome of a sign-up that failed with `failure`. */
export function signUpFailureOutcome(failure: unknown): SignUpOutcome {
  if (failure instanceof EmailTakenError || failure instanceof IdempotencyKeyInUseError) return "conflict";
  if (failure instanceof TooManyRequestsError) return "rate_limited";
  if (failure instanceof ForbiddenError || failure instanceof EmailDomainNotAllowedError) return "refused";
  if ((failure instanceof EnrollError && failure.status < 500) || failure instanceof z.ZodError) return "invalid";
  return isDatabaseUnavailable(failure) ? "unavailable" : "failed";
}

/** How a webhook attempt ended: delivered, failed and due again, or failed for the last time. */
export type DeliveryOutcome = "delivered" | "retrying" | "given_up";

/** One answered request, as the request-duration histogram labels it. */
export interface AnsweredRequest {
  /** Which listener answered: `public` or `admin`. */
  listener: string;
  method: string;
  /** The route's path in its table (`/users/{id}`), or `page` for what Next.js served. */
  route: string;
  status: number;
}

export interface Metrics {
  countSignUp(outcome: SignUpOutcome): void;
  countDeliveryAttempt(outcome: DeliveryOutcome): void;
  observeRequest(request: AnsweredRequest, seconds: number): void;
  /** Everything, in Prometheus' text format. */
  scrape(): Promise<{ contentType: string; text: string }>;
  close(): void;
}

/** Seconds, from a millisecond to ten seconds: a sign-up takes a few milliseconds, a 503 about two seconds. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The app's metrics, in a registry of its own (prom-client): sign-ups by outcome, request durations
 * by listener, route, method and status, webhook attempts by outcome and the outbox's depth, the
 * database pool, and Node's process metrics. Counting costs a few map look-ups per request; what
 * needs the database (the outbox's depth) is read only when scraped.
 */
export function openMetrics(db: Database): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const signUps = new Counter({
    name: "enroll_sign_ups_total",
    help: "Sign-up attempts at either door, by outcome",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const durations = new Histogram({
    name: "enroll_http_request_duration_seconds",
    help: "How long requests took to answer, by listener, method, route and status",
    labelNames: ["listener", "method", "route", "status"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const attempts = new Counter({
    name: "enroll_webhook_delivery_attempts_total",
    help: "Webhook delivery attempts, by outcome: delivered, retrying (failed, due again), given_up (failed, no attempts left)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  new Gauge({
    name: "enroll_webhook_outbox_events",
    help: "Webhook events in the outbox, by state: pending (not delivered yet) or given_up (their attempts ran out)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      try {
        const { pending, givenUp } = await outboxDepth(db);
        this.set({ state: "pending" }, pending);
        this.set({ state: "given_up" }, givenUp);
      } catch (error) {
        // A scrape while the database does not answer still shows everything else.
        this.reset();
        log.warn({ err: error }, "Metrics: could not read the webhook outbox's depth");
      }
    },
  });
  new Gauge({
    name: "enroll_db_pool_connections",
    help: "The database pool's connections, by state: in_use or idle",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const stats = poolStatsOf(db);
      if (!stats) return;
      this.set({ state: "in_use" }, stats.open - stats.idle);
      this.set({ state: "idle" }, stats.idle);
    },
  });
  new Gauge({
    name: "enroll_db_pool_waiting_queries",
    help: "Queries waiting for a connection of the database pool",
    registers: [registry],
    collect() {
      this.set(poolStatsOf(db)?.waiting ?? 0);
    },
  });

  return {
    countSignUp: (outcome) => signUps.inc({ outcome }),
    countDeliveryAttempt: (outcome) => attempts.inc({ outcome }),
    observeRequest: ({ listener, method, route, status }, seconds) => durations.observe({ listener, method, route, status }, seconds),
    scrape: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
    close: () => registry.clear(),
  };
}

import { Agent, request } from "undici";
import type { Database } from "@enroll/db";
import { retryDelayMs, startDeliveryLoop, type AttemptOutcome, type DeliveryLoop } from "../delivery-loop.ts";
import { log } from "../log.ts";
import type { SigningKeys } from "../sessions/keys.ts";
import { claimDueDeliveries, recordOutcomes, type DueDelivery } from "./outbox.ts";
import { webhookBody } from "./token.ts";

/** A callback that has not answered within this long has failed this attempt. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** How often the outbox is looked at when nothing woke the loop: picks up retries that fall due and other instances' events. */
const POLL_INTERVAL_MS = 500;

/** How long a woken loop waits before it claims, to take the events of the sign-ups around it in the same batch. */
const WAKE_DELAY_MS = 50;

/** Attempts one instance makes at once. */
const MAX_IN_FLIGHT = 16;

/** wake: an event was just committed, look at the outbox within 50 ms; stop: claim nothing more, let the attempts in flight finish and record them. */
export type WebhookWorker = DeliveryLoop;

interface WebhookWorkerOptions {
  db: Database;
  /** The session key store: tokens are signed with its current key. */
  keys: Pick<SigningKeys, "sign">;
  /** The tokens' `aud`: the sessions' (SESSION_AUDIENCE). */
  audience: string[];
  maxAttempts: number;
  /** Told how each recorded attempt ended (the metrics count them). */
  onAttempted?: (outcome: "delivered" | "retrying" | "given_up") => void;
}

/**
 * Delivers the outbox's events (outbox.ts) beside the server: each due row is claimed, posted to its
 * callback, and recorded as delivered (any 2xx), due again after a backoff (any other status, a
 * refused connection, no answer within 5 s), or given up and logged once its attempts run out.
 * Rows are leased to the instance that claims them, so several instances share the work and a row
 * is attempted by one at a time; whatever is pending when an instance stops, or dies, is still in
 * the table for the next one.
 */
export function startWebhookWorker({ db, keys, audience, maxAttempts, onAttempted }: WebhookWorkerOptions): WebhookWorker {
  /** Keep-alive connections to the callbacks, closed on stop. */
  const connections = new Agent();

  /**
   * Posts a claimed batch, each to its callback at once, then records every outcome in one
   * statement: socket writes are most of a delivery's cost, so a batch shares its round trips.
   */
  async function attemptBatch(due: DueDelivery[]): Promise<void> {
    const outcomes = await Promise.all(
      due.map(async (delivery): Promise<AttemptOutcome> => {
        const failure = await post(delivery).catch((error: unknown) => describe(error));
        const retryInMs = failure !== undefined && delivery.attempts < maxAttempts ? retryDelayMs(delivery.attempts) : null;
        return { id: delivery.id, attempts: delivery.attempts, failure, retryInMs };
      }),
    );
    try {
      await recordOutcomes(db, outcomes);
    } catch (error) {
      // The leases run out and the rows are attempted again: at least once, never lost.
      log.error({ err: error, deliveries: due.length }, "Could not record webhook attempts; they will be attempted again");
      return;
    }
    due.forEach((delivery, index) => {
      const { failure, retryInMs } = outcomes[index]!;
      // The callback's origin only: its path and query may hold the receiver's token (the row has it all).
      const callback = new URL(delivery.callback).origin;
      const context = { delivery: delivery.id, event: delivery.event, callback, attempt: delivery.attempts };
      onAttempted?.(failure === undefined ? "delivered" : retryInMs === null ? "given_up" : "retrying");
      if (failure === undefined) {
        // Only at debug: a line per delivery, on every sign-up, cost a third of the app's CPU in pnpm bench.
        log.debug(context, "Webhook delivered");
      } else if (retryInMs === null) {
        log.error({ ...context, failure }, `Webhook given up after ${delivery.attempts} attempts: ${failure}`);
      } else {
        log.warn({ ...context, failure, retryInMs }, `Webhook attempt failed (${failure}); retrying in ${retryInMs / 1000} s`);
      }
    });
  }

  /**
   * Undefined when the callback answered with a 2xx; otherwise what went wrong, in a few words.
   * undici's request() rather than fetch: measured, a fifth less CPU per delivery.
   */
  async function post({ event, callback, data }: DueDelivery): Promise<string | undefined> {
    const { statusCode, body } = await request(callback, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: webhookBody(keys, audience, event, data),
      dispatcher: connections,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await body.dump();
    return statusCode >= 200 && statusCode < 300 ? undefined : `answered ${statusCode}`;
  }

  // A sign-up's event waits a moment for others, so that they are claimed and recorded together.
  return startDeliveryLoop({
    outbox: "the webhook outbox",
    claim: (limit) => claimDueDeliveries(db, limit),
    attempt: attemptBatch,
    close: () => connections.close(),
    maxInFlight: MAX_IN_FLIGHT,
    pollIntervalMs: POLL_INTERVAL_MS,
    wakeDelayMs: WAKE_DELAY_MS,
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, cause } = error as Error & { code?: string; cause?: unknown };
  if (error.name === "TimeoutError" || (cause instanceof Error && cause.name === "TimeoutError")) {
    return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  }
  return code ? `could not connect (${code})` : error.message;
}

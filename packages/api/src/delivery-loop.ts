import { Prisma } from "@enroll/db";
import { log } from "./log.ts";

/** How an attempt ended: done (no failure), or failed and due again in `retryInMs`, or given up (null). */
export interface AttemptOutcome {
  id: string;
  /** The row's attempts when it was claimed for this one: its outcome is recorded only while that lease holds. */
  attempts: number;
  failure: string | undefined;
  retryInMs: number | null;
}

/** A batch's outcomes as the table `outcome(id, attempts, failure, retry_in_ms)`, for the statement that records them. */
export function outcomeTable(outcomes: readonly AttemptOutcome[]): Prisma.Sql {
  return Prisma.sql`unnest(
    ${outcomes.map(({ id }) => id)}::uuid[],
    ${outcomes.map(({ attempts }) => attempts)}::int[],
    ${outcomes.map(({ failure }) => failure ?? null)}::text[],
    ${outcomes.map(({ retryInMs }) => retryInMs)}::double precision[]
  ) AS outcome(id, attempts, failure, retry_in_ms)`;
}

/**
 * The loop an outbox is delivered by (webhooks/worker.ts, email/worker.ts): due rows are claimed in
 * batches and leased to this instance, attempted, and the outcome recorded by the outbox; the loop
 * only decides when to claim. It looks at the outbox every `pollIntervalMs`, and within
 * `wakeDelayMs` of a wake (a row was just committed), so that rows written around the same moment
 * are claimed together; at most `maxInFlight` attempts run at once, one claim at a time.
 */
export interface DeliveryLoop {
  /** A row was just committed: look at the outbox soon rather than at the next poll. */
  wake(): void;
  /** Claims nothing more and lets the attempts in flight finish. */
  stop(): Promise<void>;
}

interface DeliveryLoopOptions<Due> {
  /** What is looked at, for the log line of a failed claim ("the webhook outbox"). */
  outbox: string;
  /** Claims up to `limit` rows that are due, and leases them. */
  claim(limit: number): Promise<Due[]>;
  /** Attempts a claimed batch and records each outcome; never rejects. */
  attempt(batch: Due[]): Promise<void>;
  /** Closes what the attempts used (connections), once the last has finished. */
  close(): Promise<void>;
  maxInFlight: number;
  pollIntervalMs: number;
  wakeDelayMs: number;
}

export function startDeliveryLoop<Due>({ outbox, claim, attempt, close, maxInFlight, pollIntervalMs, wakeDelayMs }: DeliveryLoopOptions<Due>): DeliveryLoop {
  const batches = new Set<Promise<void>>();
  /** Rows claimed and not yet recorded, in all batches. */
  let attempting = 0;
  let wakeTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let claiming: Promise<void> | undefined;
  let claimAgain = false;

  /** Claims what is due while there is room, and starts each batch; one claim at a time. */
  function claimDue(): void {
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = claimWhileRoom().finally(() => (claiming = undefined));
  }

  async function claimWhileRoom(): Promise<void> {
    try {
      do {
        claimAgain = false;
        while (!stopped && attempting < maxInFlight) {
          const due = await claim(maxInFlight - attempting);
          if (due.length === 0) break;
          attempting += due.length;
          const batch = attempt(due).finally(() => {
            attempting -= due.length;
            batches.delete(batch);
            claimDue();
          });
          batches.add(batch);
        }
      } while (claimAgain && !stopped);
    } catch (error) {
      log.warn({ err: error }, `Could not look at ${outbox}; trying again shortly`);
    }
  }

  const poll = setInterval(claimDue, pollIntervalMs);
  claimDue();

  return {
    wake() {
      wakeTimer ??= setTimeout(() => {
        wakeTimer = undefined;
        claimDue();
      }, wakeDelayMs);
    },
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(wakeTimer);
      // Rows claimed by a claim still running are attempted too, not left leased.
      await claiming;
      await Promise.all(batches);
      await close();
    },
  };
}

/** The first retry comes after this long; each one after waits twice as long as the last, up to the cap. */
const FIRST_RETRY_DELAY_MS = 1_000;
const RETRY_DELAY_CAP_MS = 60 * 60 * 1_000;

/** How long to wait after the `attempts`-th failed attempt before the next one. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempts - 1), RETRY_DELAY_CAP_MS);
}

import { Prisma, type Database } from "@enroll/db";
import { outcomeTable, type AttemptOutcome } from "../delivery-loop.ts";
import { SIGN_UP_PARTS, type SignUpStep } from "../sign-up-statement.ts";
import { utcText } from "../user-json.ts";
import type { WebhookEvent } from "./hooks.ts";

/**
 * The outbox rows of `event`, one per callback, as an INSERT for a statement's CTE: `data` (a JSON
 * expression over `from`) for each row that `from` yields. Written in the transaction of whatever
 * caused the event, so the event exists exactly when that committed.
 */
export function eventRows(event: WebhookEvent, callbacks: readonly string[], data: Prisma.Sql, from: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO webhook_deliveries (event, callback, data)
    SELECT ${event}, callback, ${data}
    FROM ${from} CROSS JOIN unnest(${callbacks as string[]}::text[]) AS callback`;
}

/**
 * The sign-up's outbox step (see sign-up-statement.ts): one `user.create` row per callback, written
 * only when the statement created a user who owns the address, in the sign-up's own transaction,
 * so no event exists without its user and no user without its event. The `data` is the user as it
 * was created. Leave the step out, and no event is written (webhooks off, or a sign-up that sends none).
 */
export function userCreatedEventStep(callbacks: readonly string[]): SignUpStep {
  const { user, address } = SIGN_UP_PARTS;
  return {
    name: "queued_webhooks",
    // Built from the statement's own parts: its new rows are not visible to a read in the same statement.
    sql: eventRows(
      "user.create",
      callbacks,
      Prisma.sql`json_build_object(
        'id', ${user}.id,
        'created_at', ${utcText(user, "created_at")},
        'updated_at', ${utcText(user, "updated_at")},
        'emails', json_build_array(json_build_object(
          'id', ${address}.id,
          'address', ${address}.address,
          'is_verified', ${address}.verified,
          'is_primary', true,
          'created_at', ${utcText(address, "created_at")},
          'updated_at', ${utcText(address, "updated_at")}
        ))
      )`,
      Prisma.sql`${user} JOIN ${address} ON ${address}.user_id = ${user}.id`,
    ),
  };
}

/**
 * A step that writes `event` with `data` as it is, one row per callback, for each row of `gate`
 * (so only when what it tells of was written), in the transaction of what it tells of.
 */
export function webhookEventStep(name: string, event: WebhookEvent, callbacks: readonly string[], data: unknown, gate: Prisma.Sql): SignUpStep {
  return { name, sql: eventRows(event, callbacks, Prisma.sql`${JSON.stringify(data)}::jsonb`, gate) };
}

/** An event due for an attempt, leased to the instance that claimed it. */
export interface DueDelivery {
  id: string;
  event: WebhookEvent;
  callback: string;
  data: unknown;
  /** Counting the attempt about to be made. */
  attempts: number;
}

/**
 * How long a claimed delivery is left to the instance that claimed it: three times what an attempt
 * may take (its 5 s timeout), so that it is not claimed twice while it runs, yet short enough that
 * the attempts of an instance that died are made by another (or by itself, restarted) soon after.
 */
const LEASE_SECONDS = 15;

/**
 * Claims up to `limit` deliveries that are due, oldest first, and leases them. `SKIP LOCKED` lets
 * instances claim side by side without waiting for each other or taking the same row.
 */
export async function claimDueDeliveries(db: Database, limit: number): Promise<DueDelivery[]> {
  return db.$queryRaw<DueDelivery[]>`
    UPDATE webhook_deliveries AS delivery
    SET attempts = delivery.attempts + 1, next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS}::int)
    FROM (
      SELECT id FROM webhook_deliveries WHERE next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT ${limit}::int FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE delivery.id = due.id
    RETURNING delivery.id, delivery.event, delivery.callback, delivery.data, delivery.attempts`;
}

/**
 * How long a delivered event is kept, for an operator to see what went where: recording a batch of
 * attempts also removes up to twice as many events delivered longer ago than this, so the table
 * holds about this many days of deliveries with no job to run. Given-up events are never removed.
 */
const DELIVERED_KEPT_DAYS = 7;

/**
 * Records a batch of attempts in one statement: a delivered row is done; a failed one keeps its
 * failure and is due again after its delay, or, with no attempts left, is given up for good and
 * stays, with `failed_at` and its last failure, for an operator. The same statement removes
 * deliveries older than DELIVERED_KEPT_DAYS.
 */
export async function recordOutcomes(db: Database, outcomes: AttemptOutcome[]): Promise<void> {
  await db.$executeRaw`
    WITH recorded AS (
      UPDATE webhook_deliveries AS delivery
      SET delivered_at = CASE WHEN outcome.failure IS NULL THEN now() END,
          failed_at = CASE WHEN outcome.failure IS NOT NULL AND outcome.retry_in_ms IS NULL THEN now() END,
          last_error = outcome.failure,
          next_attempt_at = CASE WHEN outcome.failure IS NOT NULL AND outcome.retry_in_ms IS NOT NULL
                                 THEN now() + make_interval(secs => outcome.retry_in_ms / 1000) END
      FROM ${outcomeTable(outcomes)}
      -- Only while the lease holds: a row claimed again since (this instance paused past its lease)
      -- belongs to that later attempt, whose outcome this one must not overwrite.
      WHERE delivery.id = outcome.id AND delivery.attempts = outcome.attempts
    ), swept AS (
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE delivered_at < now() - make_interval(days => ${DELIVERED_KEPT_DAYS}::int)
        ORDER BY delivered_at LIMIT ${2 * outcomes.length}::int FOR UPDATE SKIP LOCKED
      )
    )
    SELECT`;
}

/** How many events wait in the outbox (not delivered yet), and how many were given up. */
export async function outboxDepth(db: Database): Promise<{ pending: number; givenUp: number }> {
  const [row] = await db.$queryRaw<{ pending: number; given_up: number }[]>`
    SELECT count(*) FILTER (WHERE next_attempt_at IS NOT NULL)::int AS pending, count(*) FILTER (WHERE failed_at IS NOT NULL)::int AS given_up
    FROM webhook_deliveries WHERE delivered_at IS NULL`;
  return { pending: row!.pending, givenUp: row!.given_up };
}

import { Prisma, type Database } from "@enroll/db";
import { outcomeTable, type AttemptOutcome } from "../delivery-loop.ts";
import type { SignUpStep } from "../sign-up-statement.ts";
import type { EmailMessage } from "./messages.ts";

/**
 * The email outbox (`email_deliveries`): a message is written in the transaction that made what it
 * carries, sent after the commit (worker.ts), and deleted once it is sent or expired, so that the
 * code in it is kept in the clear only while the message is on its way. Where Enroll sends no mail
 * itself, the pending rows are the mailbox (mailbox.ts).
 */

/**
 * A step that writes `message` to `to`, for each row of `gate` (so only when what it carries was
 * written), due now and no longer attempted after `expiresInSeconds`.
 */
export function emailStep(name: string, { to, message, expiresInSeconds }: { to: string; message: EmailMessage; expiresInSeconds: number }, gate: Prisma.Sql): SignUpStep {
  const { language, subject, bodyPlain, bodyHtml } = message;
  return {
    name,
    sql: Prisma.sql`
      INSERT INTO email_deliveries (to_address, subject, body_plain, body_html, language, expires_at)
      SELECT ${to}, ${subject}, ${bodyPlain}, ${bodyHtml}, ${language}, now() + make_interval(secs => ${expiresInSeconds}::int)
      FROM ${gate}`,
  };
}

/** A step that deletes up to two expired messages that no one sent (none was set up to): the table keeps about the live ones, with no job to run. */
export function expiredEmailsSweep(name: string): SignUpStep {
  return {
    name,
    sql: Prisma.sql`
      DELETE FROM email_deliveries WHERE id IN (
        SELECT id FROM email_deliveries WHERE expires_at <= now() ORDER BY expires_at LIMIT 2 FOR UPDATE SKIP LOCKED
      )`,
  };
}

/** A message due for an attempt, leased to the instance that claimed it. */
export interface DueEmail {
  id: string;
  to_address: string;
  subject: string;
  body_plain: string;
  body_html: string;
  expires_at: Date;
  /** Counting the attempt about to be made. */
  attempts: number;
}

/** How long a claimed message is left to the instance that claimed it: longer than an attempt may take (SMTP's timeouts, worker.ts). */
const LEASE_SECONDS = 60;

/** Claims up to `limit` messages that are due and have not expired, oldest first, and leases them; instances claim side by side (`SKIP LOCKED`). */
export async function claimDueEmails(db: Database, limit: number): Promise<DueEmail[]> {
  return db.$queryRaw<DueEmail[]>`
    UPDATE email_deliveries AS email
    SET attempts = email.attempts + 1, next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS}::int)
    FROM (
      SELECT id FROM email_deliveries WHERE next_attempt_at <= now() AND expires_at > now()
      ORDER BY next_attempt_at LIMIT ${limit}::int FOR UPDATE SKIP LOCKED
    ) AS due
    WHERE email.id = due.id
    RETURNING email.id, email.to_address, email.subject, email.body_plain, email.body_html, email.expires_at, email.attempts`;
}

/**
 * Records a batch of attempts in one statement: a sent or given-up message is deleted, a failed one
 * keeps its failure and is due again after its delay; expired messages are swept with them. Only
 * while the lease holds: a row claimed again since belongs to that later attempt.
 */
export async function recordEmailOutcomes(db: Database, outcomes: AttemptOutcome[]): Promise<void> {
  await db.$executeRaw`
    WITH outcome AS (
      SELECT * FROM ${outcomeTable(outcomes)}
    ), done AS (
      DELETE FROM email_deliveries AS email USING outcome
      WHERE email.id = outcome.id AND email.attempts = outcome.attempts
        AND (outcome.failure IS NULL OR outcome.retry_in_ms IS NULL)
    ), retried AS (
      UPDATE email_deliveries AS email
      SET last_error = outcome.failure, next_attempt_at = now() + make_interval(secs => outcome.retry_in_ms / 1000)
      FROM outcome
      WHERE email.id = outcome.id AND email.attempts = outcome.attempts
        AND outcome.failure IS NOT NULL AND outcome.retry_in_ms IS NOT NULL
    ), swept AS (
      DELETE FROM email_deliveries WHERE id IN (
        SELECT id FROM email_deliveries WHERE expires_at <= now()
        ORDER BY expires_at LIMIT ${2 * outcomes.length}::int FOR UPDATE SKIP LOCKED
      )
    )
    SELECT`;
}

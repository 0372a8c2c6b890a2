import { createHash } from "node:crypto";
import { driverErrorOf, Prisma, type Database } from "@enroll/db";
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError, InvalidRequestError } from "../errors.ts";
import { signUpParts, SIGN_UP_PARTS, type SignUpOutcome, type SignUpPlan } from "../sign-up-statement.ts";

/** How long a key's first answer is kept and replayed. */
export const IDEMPOTENCY_KEY_LIFETIME_HOURS = 24;

export const IDEMPOTENCY_KEY_INVALID = "Idempotency-Key must be 1 to 255 visible ASCII characters";

/** The `Idempotency-Key` header, checked: any token a client can generate (a UUID is the usual choice). */
export function parseIdempotencyKey(header: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) throw new InvalidRequestError(IDEMPOTENCY_KEY_INVALID);
  return header;
}

/** What the same key must come with again: the validated request, so spacing and unknown keys do not count. */
export function fingerprintOf(input: unknown): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("hex");
}

interface EarlierAnswer {
  earlier_fingerprint: string | null;
  earlier_status: 200 | 409 | null;
  earlier_user_id: string | null;
  earlier_email_id: string | null;
}

/** Advisory locks taken with this first key are the idempotency keys' (hashed into the second). */
const KEY_LOCK_CLASS = 20_261_129;

/**
 * A sign-up under an idempotency key, still one statement and one round trip. It takes a
 * transaction-level advisory lock on the key without waiting (taken: the key's first request is
 * still running, 409); finds the key's live answer (replayed, or 422 for another body); or else
 * signs up and stores the answer in the same transaction, so that an answer lost on the way to the
 * client (the app killed after the commit) is still there for the retry. The key's primary key
 * settles the one race the statement's snapshot cannot see, a first request committed just
 * before this one took the lock: the insert fails, nothing is written, and the answer is read.
 * Each keyed sign-up also deletes up to two expired keys, which keeps the table at about a day.
 */
export async function signUpOnce(
  db: Database,
  { key, fingerprint, plan }: { key: string; fingerprint: string; plan: SignUpPlan },
): Promise<SignUpOutcome> {
  const { signedUp } = SIGN_UP_PARTS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const [row] = await db.$queryRaw<(EarlierAnswer & { free: boolean; email_id: string | null; user_id: string | null })[]>`
        WITH key_lock AS (
          SELECT pg_try_advisory_xact_lock(${KEY_LOCK_CLASS}::int, hashtext(${key})) AS free
        ), earlier AS (
          SELECT fingerprint, status, user_id, email_id FROM idempotency_keys WHERE key = ${key} AND expires_at > now()
        ), proceed AS (
          SELECT free AND NOT EXISTS (SELECT FROM earlier) AS go FROM key_lock
        ), ${signUpParts(plan, Prisma.sql`(SELECT go FROM proceed)`)},
        stored_key AS (
          INSERT INTO idempotency_keys (key, fingerprint, status, user_id, email_id, expires_at)
          SELECT ${key}, ${fingerprint}, CASE WHEN signed_up.email_id IS NULL THEN 409 ELSE 200 END,
                 signed_up.user_id, signed_up.email_id, now() + make_interval(hours => ${IDEMPOTENCY_KEY_LIFETIME_HOURS}::int)
          FROM proceed LEFT JOIN ${signedUp} AS signed_up ON TRUE WHERE proceed.go
        ), swept AS (
          DELETE FROM idempotency_keys WHERE key IN (
            SELECT key FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT 2 FOR UPDATE SKIP LOCKED
          )
        )
        SELECT key_lock.free, signed_up.email_id, signed_up.user_id,
               earlier.fingerprint AS earlier_fingerprint, earlier.status AS earlier_status,
               earlier.user_id AS earlier_user_id, earlier.email_id AS earlier_email_id
        FROM key_lock LEFT JOIN earlier ON TRUE LEFT JOIN ${signedUp} AS signed_up ON TRUE`;
      if (row!.earlier_status !== null) return replay(row!, fingerprint);
      if (!row!.free) throw new IdempotencyKeyInUseError();
      return { created: idsOf(row!.user_id, row!.email_id), replayed: false };
    } catch (error) {
      if (attempt > 1 || !isKeyTaken(error)) throw error;
      const [earlier] = await db.$queryRaw<EarlierAnswer[]>`
        SELECT fingerprint AS earlier_fingerprint, status AS earlier_status,
               user_id AS earlier_user_id, email_id AS earlier_email_id
        FROM idempotency_keys WHERE key = ${key} AND expires_at > now()`;
      if (earlier) return replay(earlier, fingerprint);
      // Expired, and not swept yet: the key starts afresh.
      await db.$executeRaw`DELETE FROM idempotency_keys WHERE key = ${key} AND expires_at <= now()`;
    }
  }
}

/** The key's first answer again: its ids, or none (a 409). */
function replay(earlier: EarlierAnswer, fingerprint: string): SignUpOutcome {
  if (earlier.earlier_fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
  return { created: idsOf(earlier.earlier_user_id, earlier.earlier_email_id), replayed: true };
}

function idsOf(userId: string | null, emailId: string | null): SignUpOutcome["created"] {
  return userId && emailId ? { userId, emailId } : undefined;
}

/** The unique violation of idempotency_keys' primary key, as Prisma's driver adapter reports it. */
function isKeyTaken(error: unknown): boolean {
  const cause = driverErrorOf(error);
  return cause?.kind === "UniqueConstraintViolation" && cause.constraint?.index === "idempotency_keys_pkey";
}

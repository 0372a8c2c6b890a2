import { Prisma, type Database } from "@enroll/db";
import { SIGN_UP_PARTS, withSteps, type SignUpStep } from "../sign-up-statement.ts";

/** Wrong codes a passcode takes: the third is its last, as the reference's. */
export const MAX_PASSCODE_TRIES = 3;

/**
 * The part of a passcode's initialize statement that every other step reads: its new row, `id,
 * user_id, email_id, created_at`; none when the address is no longer one the user may verify.
 */
export const NEW_PASSCODE = Prisma.raw("new_passcode");

/** Whose an address is, and the user's own, as a passcode's initialize needs to know them. */
export interface PasscodeTarget {
  userExists: boolean;
  /** The user's primary address, when it has one. */
  primary: { id: string; address: string } | undefined;
  /** The address asked for (or the primary one), with its owner; undefined when there is no such address. */
  address: { id: string; address: string; userId: string | null } | undefined;
  /** Whether the user owns any address. */
  ownsAnAddress: boolean;
}

/** The user `userId` and the address `emailId` (its primary one when undefined). */
export async function readPasscodeTarget(db: Database, userId: string, emailId: string | undefined): Promise<PasscodeTarget> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { primaryEmail: { select: { email: { select: { id: true, address: true } } } }, _count: { select: { emails: true } } },
  });
  const primary = user?.primaryEmail?.email;
  const address =
    emailId === undefined
      ? primary && { ...primary, userId }
      : ((await db.email.findUnique({ where: { id: emailId }, select: { id: true, address: true, userId: true } })) ?? undefined);
  return { userExists: user !== null, primary, address, ownsAnAddress: (user?._count.emails ?? 0) > 0 };
}

/**
 * Whether `userId` may verify (and so sign in with) an address owned by `ownerId`: its own, or one
 * that no one owns yet while the user owns none (its sign-up's, waiting for verification). A user
 * has one address at most.
 */
export function mayVerify(userId: string, ownerId: string | null, ownsAnAddress: boolean): boolean {
  return ownerId === userId || (ownerId === null && !ownsAnAddress);
}

/** mayVerify, for the statements that decide it again as they write: `ownerId` the address's user_id, `userId` the user's. */
function mayVerifyInSql(ownerId: Prisma.Sql, userId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(${ownerId} = ${userId} OR (${ownerId} IS NULL AND NOT EXISTS (SELECT FROM emails AS other WHERE other.user_id = ${userId})))`;
}

/**
 * A passcode's initialize, in one statement: the passcode row (`hash` of its code), made only if
 * the address is still one the user may verify, then `steps` (its email, webhook, audit entry),
 * which write only with it. Answers the new row, or none.
 */
export function passcodeStatement(
  { id, userId, emailId, ttlSeconds, hash }: { id: string; userId: string; emailId: string; ttlSeconds: number; hash: string },
  steps: SignUpStep[],
): Prisma.Sql {
  const own = Prisma.sql`
    ${NEW_PASSCODE} AS (
      INSERT INTO passcodes (id, user_id, email_id, ttl, code)
      SELECT ${id}::uuid, ${userId}::uuid, email.id, ${ttlSeconds}::int, ${hash}
      FROM emails AS email
      WHERE email.id = ${emailId}::uuid AND ${mayVerifyInSql(Prisma.sql`email.user_id`, Prisma.sql`${userId}::uuid`)}
      RETURNING id, user_id, email_id, created_at
    )`;
  return Prisma.sql`WITH ${withSteps(own, steps)} SELECT id, created_at FROM ${NEW_PASSCODE}`;
}

/** A step that deletes up to two passcodes that expired a day ago or more, so the table keeps about the live ones, with no job to run. */
export function expiredPasscodesSweep(name: string): SignUpStep {
  return {
    name,
    sql: Prisma.sql`
      DELETE FROM passcodes WHERE id IN (
        SELECT id FROM passcodes WHERE created_at + make_interval(secs => ttl) < now() - interval '1 day'
        ORDER BY created_at LIMIT 2 FOR UPDATE SKIP LOCKED
      )`,
  };
}

/** A passcode being tried, with what its finalize needs to know of its address and user. */
export interface TriedPasscode {
  userId: string;
  address: string;
  /** The address's owner before this finalize. */
  ownerId: string | null;
  ownsAnAddress: boolean;
  /** The user's primary address, when it has one (for the audit entries). */
  primaryAddress: string | null;
  hash: string;
  ttl: number;
  createdAt: Date;
  expired: boolean;
  /** The tries taken, counting this one; null when none was left (finalizes beside this one took them) or it expired. */
  tries: number | null;
}

/**
 * Takes one of the passcode's tries before its code is compared, so that however many finalizes
 * run at once, no more than MAX_PASSCODE_TRIES codes are ever compared against it. Undefined when
 * there is no such passcode; an expired one is answered without taking a try.
 */
export async function takePasscodeTry(db: Database, id: string): Promise<TriedPasscode | undefined> {
  const [row] = await db.$queryRaw<TriedPasscode[]>`
    WITH found AS (
      SELECT passcode.id, passcode.user_id, passcode.email_id, passcode.code, passcode.ttl, passcode.created_at,
             passcode.created_at + make_interval(secs => passcode.ttl) <= now() AS expired
      FROM passcodes AS passcode WHERE passcode.id = ${id}::uuid
    ), taken AS (
      UPDATE passcodes SET try_count = try_count + 1, updated_at = now()
      WHERE id IN (SELECT id FROM found WHERE NOT expired) AND try_count < ${MAX_PASSCODE_TRIES}::int
      RETURNING try_count
    )
    SELECT found.user_id AS "userId", email.address, email.user_id AS "ownerId",
           EXISTS (SELECT FROM emails WHERE user_id = found.user_id) AS "ownsAnAddress",
           (SELECT primary_address.address FROM primary_emails JOIN emails AS primary_address ON primary_address.id = primary_emails.email_id
            WHERE primary_emails.user_id = found.user_id) AS "primaryAddress",
           found.code AS hash, found.ttl, found.created_at AS "createdAt", found.expired,
           (SELECT try_count FROM taken) AS tries
    FROM found JOIN emails AS email ON email.id = found.email_id`;
  return row;
}

/** Deletes a passcode, whose tries are used up. */
export async function deletePasscode(db: Database, id: string): Promise<void> {
  await db.passcode.deleteMany({ where: { id } });
}

/**
 * A passcode's finalize, in one statement, its parts under the sign-up's names (SIGN_UP_PARTS), so that the
 * sign-up's steps (the session row, the audit entry, the `user.create` event) serve it too: the
 * passcode is used up (deleted), and its address verified and given to its user (`address`), when
 * the user may still verify it; `user` is that user, `signedUp` the pair; the address becomes the
 * user's primary one if it has none. Nothing is claimed when the passcode is gone (a finalize beside
 * this one used it) or the address went to someone else meanwhile. Answers whether the passcode was
 * used, and the user when the address was claimed.
 */
export function passcodeClaimStatement(passcodeId: string, steps: SignUpStep[]): Prisma.Sql {
  const { address, user, signedUp } = SIGN_UP_PARTS;
  const own = Prisma.sql`
    used_passcode AS (
      DELETE FROM passcodes WHERE id = ${passcodeId}::uuid RETURNING user_id, email_id
    ), ${address} AS (
      UPDATE emails SET verified = true, user_id = used.user_id, updated_at = now()
      FROM used_passcode AS used
      WHERE emails.id = used.email_id AND ${mayVerifyInSql(Prisma.sql`emails.user_id`, Prisma.sql`used.user_id`)}
      RETURNING emails.id, emails.user_id, emails.address, emails.verified, emails.created_at, emails.updated_at
    ), ${user} AS (
      SELECT id, created_at, updated_at FROM users WHERE id IN (SELECT user_id FROM ${address})
    ), new_primary_email AS (
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM ${address}
      ON CONFLICT (user_id) DO NOTHING
    ), ${signedUp} AS (
      SELECT user_id, id AS email_id FROM ${address}
    )`;
  return Prisma.sql`
    WITH ${withSteps(own, steps)}
    SELECT EXISTS (SELECT FROM used_passcode) AS used, (SELECT user_id FROM ${signedUp}) AS user_id`;
}

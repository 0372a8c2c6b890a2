import { Prisma } from "@enroll/db";

/**
 * The sign-up is one SQL statement, so one transaction and one round trip: the address is claimed
 * first, and only a claimed address gets its user; then each capability adds its step (the session
 * row, the audit entry, the webhook outbox), and an idempotency key may wrap the whole. This module
 * owns the names of the statement's parts, so that a step reads them by name here, never by a
 * string of its own:
 * - `address`: the email row the sign-up claimed, or reserved while it waits to be verified:
 *   `id, user_id` (null while reserved)`, address, verified, created_at, updated_at`;
 * - `user`: the new user's row, `id, created_at, updated_at`;
 * - `signedUp`: one row `(user_id, email_id)` when the sign-up happened, none when the address
 *   belongs to another user (then nothing is written).
 * A passcode's finalize (users/sign-in.ts) claims its address by the same parts, so that the same
 * steps (the session row, the audit entry, the outbox) serve a sign-in as well.
 */
export const SIGN_UP_PARTS = {
  address: Prisma.raw("sign_up_address"),
  user: Prisma.raw("new_user"),
  signedUp: Prisma.raw("signed_up"),
} as const;

const PART_NAMES = new Set(["sign_up_address", "new_user", "new_primary_email", "signed_up"]);

/** A capability's part of a sign-up: a CTE of its own name, which reads SIGN_UP_PARTS. */
export interface SignUpStep {
  name: string;
  sql: Prisma.Sql;
}

export interface SignUpPlan {
  userId: string;
  /** Validated and lower-cased. */
  email: string;
  /**
   * `owned`: the address goes to the new user, as its primary email; `reserved`: it stays unowned
   * until it is verified (EMAIL_REQUIRE_VERIFICATION, as the reference), each repeat a new user.
   */
  claim: "owned" | "reserved";
  /** What the capabilities add, in order. */
  steps: SignUpStep[];
}

/** What a sign-up's statement answered: the ids it wrote, or none when the address is taken; and whether this is a stored answer again. */
export interface SignUpOutcome {
  created: { userId: string; emailId: string } | undefined;
  replayed: boolean;
}

/** The row to insert into `emails`: always, or only where `gate` holds (limits/idempotency.ts gates it on the key). */
function addressRow(owner: Prisma.Sql, email: string, gate: Prisma.Sql | undefined): Prisma.Sql {
  return gate ? Prisma.sql`SELECT ${owner}, ${email}::text WHERE ${gate}` : Prisma.sql`VALUES (${owner}, ${email})`;
}

/**
 * The address claimed for the new user: inserted, or taken over when a row for it exists that no
 * user owns yet. The unique index on `emails.address` decides between concurrent sign-ups for one
 * address: the later one waits for the earlier to commit, then finds the address owned.
 */
function ownedAddressParts(userId: string, email: string, gate: Prisma.Sql | undefined): Prisma.Sql {
  return Prisma.sql`
    sign_up_address AS (
      INSERT INTO emails (user_id, address)
      ${addressRow(Prisma.sql`${userId}::uuid`, email, gate)}
      ON CONFLICT (address) DO UPDATE
        SET user_id = excluded.user_id, updated_at = excluded.updated_at
        WHERE emails.user_id IS NULL
      RETURNING id, user_id, address, verified, created_at, updated_at
    ), new_user AS (
      INSERT INTO users (id) SELECT user_id FROM sign_up_address RETURNING id, created_at, updated_at
    ), new_primary_email AS (
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM sign_up_address
    ), signed_up AS (
      SELECT user_id, id AS email_id FROM sign_up_address
    )`;
}

/**
 * The address reserved while it waits to be verified, as the reference does it: a new user every
 * time, no primary email. A new address is inserted without an owner; an unowned one is taken as it
 * is (the no-op update locks it and returns its id, which `DO NOTHING` would not), so repeats get
 * new users and the same email id. An address a user owns returns no row: nothing is written.
 */
function reservedAddressParts(userId: string, email: string, gate: Prisma.Sql | undefined): Prisma.Sql {
  return Prisma.sql`
    sign_up_address AS (
      INSERT INTO emails (user_id, address)
      ${addressRow(Prisma.sql`NULL::uuid`, email, gate)}
      ON CONFLICT (address) DO UPDATE
        SET user_id = NULL
        WHERE emails.user_id IS NULL
      RETURNING id, user_id, address, verified, created_at, updated_at
    ), new_user AS (
      INSERT INTO users (id) SELECT ${userId}::uuid FROM sign_up_address RETURNING id, created_at, updated_at
    ), signed_up AS (
      SELECT ${userId}::uuid AS user_id, id AS email_id FROM sign_up_address
    )`;
}

/**
 * `own`, the CTEs that define the parts above, then each step under its name, for a WITH clause. A
 * step named like another part is a mistake in the code.
 */
export function withSteps(own: Prisma.Sql, steps: readonly SignUpStep[]): Prisma.Sql {
  const names = new Set(PART_NAMES);
  for (const { name } of steps) {
    if (!/^[a-z_]+$/.test(name) || names.has(name)) throw new Error(`Statement step "${name}" is named like another part`);
    names.add(name);
  }
  return Prisma.join([own, ...steps.map(({ name, sql }) => Prisma.sql`${Prisma.raw(name)} AS (${sql})`)], ", ");
}

/** The sign-up's CTEs for a WITH clause: its own parts, writing only where `gate` holds when one is given, then its steps. */
export function signUpParts({ userId, email, claim, steps }: SignUpPlan, gate?: Prisma.Sql): Prisma.Sql {
  return withSteps(claim === "owned" ? ownedAddressParts(userId, email, gate) : reservedAddressParts(userId, email, gate), steps);
}

/** The whole sign-up as one statement, answering `signed_up`'s row: none when the address is taken. */
export function signUpStatement(plan: SignUpPlan): Prisma.Sql {
  return Prisma.sql`WITH ${signUpParts(plan)} SELECT user_id, email_id FROM ${SIGN_UP_PARTS.signedUp}`;
}

import { randomUUID } from "node:crypto";
import { Prisma } from "@enroll/db";
import type { CreateUserResponse, NewUserRequest } from "@enroll/validators";
import type { Config } from "../config.ts";
import type { Context } from "../context.ts";
import { EmailTakenError, SignUpDisabledError } from "../errors.ts";

export function assertSignUpAllowed(config: Config): void {
  if (!config.account.allowSignup) throw new SignUpDisabledError();
}

/**
 * The whole of a sign-up as one statement, so one transaction and one round trip. The address is
 * claimed first: inserted, or taken over when a row for it exists that no user owns yet. Only a
 * claimed address gets its user and primary-email rows; an address another user owns claims
 * nothing, writes nothing and returns no row. The unique index on `emails.address` decides between
 * concurrent sign-ups for one address: the later one waits for the earlier to commit, then finds
 * the address owned. Exported so the benchmark's baseline runs this very statement.
 */
export function createUserStatement(userId: string, email: string): Prisma.Sql {
  return Prisma.sql`
    WITH claimed_email AS (
      INSERT INTO emails (user_id, address)
      VALUES (${userId}::uuid, ${email})
      ON CONFLICT (address) DO UPDATE
        SET user_id = excluded.user_id, updated_at = excluded.updated_at
        WHERE emails.user_id IS NULL
      RETURNING id, user_id
    ), new_user AS (
      INSERT INTO users (id) SELECT user_id FROM claimed_email
    ), new_primary_email AS (
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM claimed_email
    )
    SELECT id AS email_id FROM claimed_email`;
}

/** Signs a new user up with `email` (already validated and lower-cased). */
export async function createUser({ config, db }: Context, { email }: NewUserRequest): Promise<CreateUserResponse> {
  assertSignUpAllowed(config);
  const userId = randomUUID();
  const [created] = await db.$queryRaw<{ email_id: string }[]>(createUserStatement(userId, email));
  if (!created) throw new EmailTakenError();
  return { id: userId, user_id: userId, email_id: created.email_id };
}

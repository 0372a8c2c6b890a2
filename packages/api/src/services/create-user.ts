import { randomUUID } from "node:crypto";
import { Prisma } from "@enroll/db";
import type { CreateUserResponse, NewUserRequest } from "@enroll/validators";
import type { Config } from "../config.ts";
import type { Context } from "../context.ts";
import { EmailTakenError, SignUpDisabledError } from "../errors.ts";
import { fingerprintOf, parseIdempotencyKey, signUpOnce } from "../limits/idempotency.ts";
import { handOver, sessionFor, sessionRowStep, signSessionToken } from "../sessions/sessions.ts";

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
export function createUserStatement(userId: string, email: string, sessionRow?: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`WITH ${signUpSteps(userId, email, { sessionRow })} SELECT id AS email_id FROM claimed_email`;
}

/**
 * The sign-up's CTEs, for a WITH clause: `claimed_email` (its id and user_id, when claimed), then
 * the user and primary-email rows, and the session row when one is given (sessionRowStep, which
 * writes it only for a claimed address). With `claimWhen`, the address is claimed only where it
 * holds (limits/idempotency.ts gates it on the key).
 */
function signUpSteps(
  userId: string,
  email: string,
  { claimWhen, sessionRow }: { claimWhen?: Prisma.Sql; sessionRow?: Prisma.Sql } = {},
): Prisma.Sql {
  const row = claimWhen
    ? Prisma.sql`SELECT ${userId}::uuid, ${email}::text WHERE ${claimWhen}`
    : Prisma.sql`VALUES (${userId}::uuid, ${email})`;
  return Prisma.sql`
    claimed_email AS (
      INSERT INTO emails (user_id, address)
      ${row}
      ON CONFLICT (address) DO UPDATE
        SET user_id = excluded.user_id, updated_at = excluded.updated_at
        WHERE emails.user_id IS NULL
      RETURNING id, user_id
    ), new_user AS (
      INSERT INTO users (id) SELECT user_id FROM claimed_email
    ), new_primary_email AS (
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM claimed_email
    )${sessionRow ? Prisma.sql`, ${sessionRow}` : Prisma.empty}`;
}

/**
 * Signs a new user up with `email` (already validated and lower-cased) and signs them in: the
 * session row is written by the sign-up's statement, its token signed while the statement runs,
 * and both go to the client only when the address went to the new user. Under an
 * `Idempotency-Key` the first answer to the key is kept with the sign-up and replayed
 * (limits/idempotency.ts); a replay starts no second session.
 */
export async function createUser(context: Context, input: NewUserRequest): Promise<CreateUserResponse> {
  const { config, db, request } = context;
  assertSignUpAllowed(config);
  const idempotencyKey = request?.header("idempotency-key");
  // Checked before the token is signed: nothing is started for a request that is refused.
  const key = idempotencyKey === undefined ? undefined : parseIdempotencyKey(idempotencyKey);
  const userId = randomUUID();
  const session = sessionFor(context);
  const sessionRow = session && sessionRowStep(session, config);
  // The token is signed while the statement runs; Promise.all leaves neither failure unobserved.
  const token = session && signSessionToken(context, { sessionId: session.id, userId, address: input.email });
  if (request && key !== undefined) {
    const [answer, signedToken] = await Promise.all([
      signUpOnce(db, {
        key,
        fingerprint: fingerprintOf(input),
        steps: (claimWhen) => signUpSteps(userId, input.email, { claimWhen, sessionRow }),
      }),
      token,
    ]);
    if (answer.replayed) request.responseHeaders["Idempotent-Replayed"] = "true";
    if (answer.status === 409) throw new EmailTakenError();
    if (session && signedToken && !answer.replayed) handOver(context, session, signedToken, answer.emailId!);
    return createdUser(answer.userId!, answer.emailId!);
  }
  const [[created], signedToken] = await Promise.all([
    db.$queryRaw<{ email_id: string }[]>(createUserStatement(userId, input.email, sessionRow)),
    token,
  ]);
  if (!created) throw new EmailTakenError();
  if (session && signedToken) handOver(context, session, signedToken, created.email_id);
  return createdUser(userId, created.email_id);
}

function createdUser(userId: string, emailId: string): CreateUserResponse {
  return { id: userId, user_id: userId, email_id: emailId };
}

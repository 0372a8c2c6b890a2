import { randomUUID } from "node:crypto";
import { Prisma } from "@enroll/db";
import type { CreateUserResponse, NewUserRequest } from "@enroll/validators";
import type { Config } from "../config.ts";
import type { Context } from "../context.ts";
import { EmailTakenError, SignUpDisabledError } from "../errors.ts";
import { fingerprintOf, parseIdempotencyKey, signUpOnce } from "../limits/idempotency.ts";
import { callbacksFor } from "../webhooks/hooks.ts";
import { queueUserCreated } from "../webhooks/outbox.ts";

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
export function createUserStatement(userId: string, email: string, webhookCallbacks: readonly string[] = []): Prisma.Sql {
  return Prisma.sql`WITH ${signUpSteps(userId, email, webhookCallbacks)} SELECT id AS email_id FROM claimed_email`;
}

/**
 * The sign-up's CTEs, for a WITH clause: `claimed_email` (its id and user_id, when claimed), then
 * the user and primary-email rows, then a `user.create` event for each of `webhookCallbacks`
 * (webhooks/outbox.ts; none, and no step, without callbacks). With `claimWhen`, the address is
 * claimed only where it holds (limits/idempotency.ts gates it on the key).
 */
function signUpSteps(userId: string, email: string, webhookCallbacks: readonly string[], claimWhen?: Prisma.Sql): Prisma.Sql {
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
      RETURNING id, user_id, address, verified, created_at, updated_at
    ), new_user AS (
      INSERT INTO users (id) SELECT user_id FROM claimed_email RETURNING id, created_at, updated_at
    ), new_primary_email AS (
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM claimed_email
    )${webhookCallbacks.length > 0 ? Prisma.sql`, ${queueUserCreated(webhookCallbacks)}` : Prisma.empty}`;
}

/**
 * Signs a new user up with `email` (already validated and lower-cased). Under an `Idempotency-Key`
 * the first answer to the key is kept with the sign-up and replayed (limits/idempotency.ts).
 */
export async function createUser(context: Context, input: NewUserRequest): Promise<CreateUserResponse> {
  const { config, db, request } = context;
  assertSignUpAllowed(config);
  const userId = randomUUID();
  const webhookCallbacks = callbacksFor(config.webhooks, "user.create");
  const idempotencyKey = request?.header("idempotency-key");
  if (request && idempotencyKey !== undefined) {
    const key = parseIdempotencyKey(idempotencyKey);
    const answer = await signUpOnce(db, {
      key,
      fingerprint: fingerprintOf(input),
      steps: (claimWhen) => signUpSteps(userId, input.email, webhookCallbacks, claimWhen),
    });
    if (answer.replayed) request.responseHeaders["Idempotent-Replayed"] = "true";
    if (answer.status === 409) throw new EmailTakenError();
    if (!answer.replayed) announceQueued(context, webhookCallbacks);
    return createdUser(answer.userId!, answer.emailId!);
  }
  const [created] = await db.$queryRaw<{ email_id: string }[]>(createUserStatement(userId, input.email, webhookCallbacks));
  if (!created) throw new EmailTakenError();
  announceQueued(context, webhookCallbacks);
  return createdUser(userId, created.email_id);
}

/** Committed events are delivered now, beside the answer, rather than at the delivery loop's next look. */
function announceQueued({ webhookDelivery }: Context, webhookCallbacks: readonly string[]): void {
  if (webhookCallbacks.length > 0) webhookDelivery?.wake();
}

function createdUser(userId: string, emailId: string): CreateUserResponse {
  return { id: userId, user_id: userId, email_id: emailId };
}

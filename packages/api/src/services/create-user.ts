import { randomUUID } from "node:crypto";
import { Prisma } from "@enroll/db";
import type { CreateUserResponse, NewUserRequest } from "@enroll/validators";
import { logUserCreated, requestMetaOf, userCreatedEntry, type RequestMeta } from "../audit/user-created.ts";
import type { Config } from "../config.ts";
import type { Context } from "../context.ts";
import { EmailTakenError, SignUpDisabledError } from "../errors.ts";
import { addCookie, emailIdCookie } from "../http/cookies.ts";
import { fingerprintOf, parseIdempotencyKey, signUpOnce } from "../limits/idempotency.ts";
import { deliverSession } from "../sessions/delivery.ts";
import { sessionFor, sessionRowStep, signSessionToken, type SessionToStart } from "../sessions/sessions.ts";
import { assertEmailDomainAllowed } from "../users/email-domain-policy.ts";
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
 * the address owned. With its session row and audit entry, as createUser writes it by default:
 * exported so that the benchmark's baseline runs this very statement.
 */
export function createUserStatement(userId: string, email: string, session: SessionRow, meta: RequestMeta, config: Config): Prisma.Sql {
  return signUpStatement(stepsOf(signUpSteps(userId, email), sessionRowStep(session, config), userCreatedEntry(meta, email)));
}

/** What the sign-up's statement writes of the session it starts. */
type SessionRow = Pick<SessionToStart, "id" | "userAgent" | "ipAddress">;

/** A sign-up's CTEs as the statement that runs them, answering `signed_up`'s row (none: the address is taken). */
function signUpStatement(steps: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`WITH ${steps} SELECT user_id, email_id FROM signed_up`;
}

/** CTEs for one WITH clause, the ones left out (undefined) skipped. */
function stepsOf(...steps: (Prisma.Sql | undefined)[]): Prisma.Sql {
  return Prisma.join(steps.filter((step) => step !== undefined), ", ");
}

/** The sign-up's CTEs for a WITH clause, for one of the two modes; see signUpSteps and unverifiedSignUpSteps. */
type SignUpStepsOf = (userId: string, email: string, claimWhen?: Prisma.Sql) => Prisma.Sql;

/** The row to insert into `emails`: always, or only where `claimWhen` holds (limits/idempotency.ts gates it on the key). */
function emailRow(owner: Prisma.Sql, email: string, claimWhen?: Prisma.Sql): Prisma.Sql {
  return claimWhen
    ? Prisma.sql`SELECT ${owner}, ${email}::text WHERE ${claimWhen}`
    : Prisma.sql`VALUES (${owner}, ${email})`;
}

/**
 * The sign-up's CTEs, for a WITH clause: `claimed_email` (its id and user_id, when claimed), then
 * the user and primary-email rows, and `signed_up` (user_id, email_id): one row when the sign-up
 * happened, none when the address belongs to another user.
 */
function signUpSteps(userId: string, email: string, claimWhen?: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    claimed_email AS (
      INSERT INTO emails (user_id, address)
      ${emailRow(Prisma.sql`${userId}::uuid`, email, claimWhen)}
      ON CONFLICT (address) DO UPDATE
        SET user_id = excluded.user_id, updated_at = excluded.updated_at
        WHERE emails.user_id IS NULL
      RETURNING id, user_id, address, verified, created_at, updated_at
    ), new_user AS (
      INSERT INTO users (id) SELECT user_id FROM claimed_email RETURNING id, created_at, updated_at
    ), new_primary_email AS (
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM claimed_email
    ), signed_up AS (
      SELECT user_id, id AS email_id FROM claimed_email
    )`;
}

/**
 * The sign-up of EMAIL_REQUIRE_VERIFICATION=true, as the reference does it: a new user every time,
 * and the address only reserved, never owned, until it is verified; no primary email. A new address
 * is inserted without an owner; an unowned one is taken as it is (the no-op update locks it and
 * returns its id, which `DO NOTHING` would not), so repeats get new users and the same email id.
 * An address a user owns still returns no row: 409, nothing written. Ends in the same `signed_up`.
 */
function unverifiedSignUpSteps(userId: string, email: string, claimWhen?: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    reserved_email AS (
      INSERT INTO emails (user_id, address)
      ${emailRow(Prisma.sql`NULL::uuid`, email, claimWhen)}
      ON CONFLICT (address) DO UPDATE
        SET user_id = NULL
        WHERE emails.user_id IS NULL
      RETURNING id
    ), new_user AS (
      INSERT INTO users (id) SELECT ${userId}::uuid FROM reserved_email
    ), signed_up AS (
      SELECT ${userId}::uuid AS user_id, id AS email_id FROM reserved_email
    )`;
}

/**
 * Signs a new user up with `email` (already validated and lower-cased), in the mode
 * EMAIL_REQUIRE_VERIFICATION chooses, with its `user_created` audit entry in the same statement.
 * Where the address goes to the new user (the default mode), it also signs them in: the session
 * row is written by the same statement, its token signed while the statement runs, and both reach
 * the client only after the commit. Under an `Idempotency-Key` the first answer to the key is kept
 * with the sign-up and replayed (limits/idempotency.ts); a replay starts no second session.
 */
export async function createUser(context: Context, input: NewUserRequest): Promise<CreateUserResponse> {
  const { config, request } = context;
  assertSignUpAllowed(config);
  assertEmailDomainAllowed(config.email.domainPolicy, input.email);
  const idempotencyKey = request?.header("idempotency-key");
  // Checked before the token is signed: nothing is started for a request that is refused.
  const key = idempotencyKey === undefined ? undefined : parseIdempotencyKey(idempotencyKey);
  const userId = randomUUID();
  const { requireVerification } = config.email;
  // The actor's primary address, and a session: neither while the address waits to be verified.
  const actorEmail = requireVerification ? null : input.email;
  const session = requireVerification ? undefined : sessionFor(context);
  const steps: SignUpStepsOf = requireVerification ? unverifiedSignUpSteps : signUpSteps;
  const meta = requestMetaOf(context);
  const audited = config.auditLog.storageEnabled ? userCreatedEntry(meta, actorEmail) : undefined;
  const sessionRow = session && sessionRowStep(session, config);
  // As the reference, a sign-up whose address waits to be verified sends no webhook.
  const webhookCallbacks = requireVerification ? [] : callbacksFor(config.webhooks, "user.create");
  const queued = webhookCallbacks.length > 0 ? queueUserCreated(webhookCallbacks) : undefined;
  // Promise.all leaves neither failure unobserved.
  const [{ created, replayed }, token] = await Promise.all([
    signUp(context, input, key, (claimWhen) => stepsOf(steps(userId, input.email, claimWhen), sessionRow, audited, queued)),
    session && signSessionToken(context, { sessionId: session.id, userId, address: input.email }),
  ]);
  if (!replayed) {
    logUserCreated(context, meta, { userId: created.user_id, actorEmail });
    if (queued) context.webhookDelivery?.wake();
    if (session && token) deliverSession(session.request, config.session, token);
  }
  // The address's id, in both modes and on a replay too; a replay gets no second session.
  if (request) addCookie(request.responseHeaders, emailIdCookie(created.email_id, config.session.cookie));
  return created;
}

/**
 * Runs the sign-up's steps, once per `Idempotency-Key` when the request has one (then `replayed`
 * says whether the answer is an earlier one); a 409 is EmailTakenError.
 */
async function signUp(
  { db, request }: Context,
  input: NewUserRequest,
  key: string | undefined,
  steps: (claimWhen?: Prisma.Sql) => Prisma.Sql,
): Promise<{ created: CreateUserResponse; replayed: boolean }> {
  if (request && key !== undefined) {
    const answer = await signUpOnce(db, { key, fingerprint: fingerprintOf(input), steps });
    if (answer.replayed) request.responseHeaders["Idempotent-Replayed"] = "true";
    if (answer.status === 409) throw new EmailTakenError();
    return { created: createdUser(answer.userId!, answer.emailId!), replayed: answer.replayed };
  }
  const [created] = await db.$queryRaw<{ user_id: string; email_id: string }[]>(signUpStatement(steps()));
  if (!created) throw new EmailTakenError();
  return { created: createdUser(created.user_id, created.email_id), replayed: false };
}

function createdUser(userId: string, emailId: string): CreateUserResponse {
  return { id: userId, user_id: userId, email_id: emailId };
}

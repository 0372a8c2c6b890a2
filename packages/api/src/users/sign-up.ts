import { randomUUID } from "node:crypto";
import { queryThroughAdapter, type Database } from "@enroll/db";
import type { CreateUserResponse } from "@enroll/validators";
import { logUserCreated, userCreatedStep } from "../audit/user-created.ts";
import type { Config } from "../config/index.ts";
import { EmailTakenError, SignUpDisabledError, type RateLimitState } from "../errors.ts";
import { fingerprintOf, parseIdempotencyKey, signUpOnce } from "../limits/idempotency.ts";
import type { RateLimiters } from "../limits/rate-limit.ts";
import { signUpFailureOutcome, type Metrics } from "../metrics/metrics.ts";
import type { Requester } from "../requester.ts";
import type { SigningKeys } from "../sessions/keys.ts";
import { newSession, sessionSteps, signSessionToken, signWhileRunning, type NewSession, type StartedSession } from "../sessions/sessions.ts";
import { signUpStatement, type SignUpOutcome, type SignUpPlan } from "../sign-up-statement.ts";
import { callbacksFor } from "../webhooks/hooks.ts";
import { userCreatedEventStep } from "../webhooks/outbox.ts";
import type { WebhookWorker } from "../webhooks/worker.ts";
import { assertEmailDomainAllowed } from "./email-domain-policy.ts";

/** What a sign-up needs: the settings, the database, the keys that sign its session, and whatever counts and delivers. */
interface SignUpServices {
  config: Config;
  db: Database;
  keys: Pick<SigningKeys, "sign">;
  /** The limits per client and per user; none when rate limiting is off. */
  rateLimiter?: RateLimiters | undefined;
  /** Delivers committed webhook events; a sign-up that wrote some wakes it. */
  webhooks?: Pick<WebhookWorker, "wake"> | undefined;
  /** Counts each attempt's outcome; none where nothing looks. */
  metrics?: Pick<Metrics, "countSignUp"> | undefined;
}

interface SignUpRequest {
  /** Validated and lower-cased by `createUserInput`. */
  email: string;
  /** The client's `Idempotency-Key`, as it sent it. */
  idempotencyKey?: string | undefined;
  /** Who asks; absent for an in-process caller, which gets no session (it has nowhere to keep one) and no rate limit. */
  requester?: Requester | undefined;
}

export interface SignUpResult {
  user: CreateUserResponse;
  /** The session the sign-up started: none while the address waits to be verified, on a replay, or without a requester. */
  session?: StartedSession | undefined;
  /** Whether this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * The one admission check of a sign-up attempt, which either door makes once, before the body is
 * read: sign-up must be open (403), and the client within its rate limit (429). Says where the
 * client stands, for the answer's headers; nothing to count without a requester.
 */
export async function admitSignUp(
  { config, rateLimiter }: Pick<SignUpServices, "config" | "rateLimiter">,
  requester: Requester | undefined,
): Promise<RateLimitState | undefined> {
  if (!config.account.allowSignup) throw new SignUpDisabledError();
  return requester && rateLimiter?.signUps.consume(requester.address);
}

/**
 * The statement a sign-up runs, as EMAIL_REQUIRE_VERIFICATION chooses it: the address owned by the
 * new user with its session row (when one starts), or only reserved, with neither a session nor a
 * webhook (as the reference); the audit entry and the outbox rows as configured. The benchmark's
 * baseline runs this very plan.
 */
export function planSignUp(
  config: Config,
  { userId, email, requester, session }: { userId: string; email: string; requester?: Requester | undefined; session?: NewSession | undefined },
): SignUpPlan {
  const reserved = config.email.requireVerification;
  const callbacks = reserved ? [] : callbacksFor(config.webhooks, "user.create");
  return {
    userId,
    email,
    claim: reserved ? "reserved" : "owned",
    steps: [
      ...(session && !reserved ? sessionSteps(session, config.session.lifespanSeconds) : []),
      ...(config.auditLog.storageEnabled ? [userCreatedStep(requester, reserved ? null : email)] : []),
      ...(callbacks.length > 0 ? [userCreatedEventStep(callbacks)] : []),
    ],
  };
}

/**
 * Signs a new user up with `email`, in one statement (see planSignUp). Where the address goes to
 * the new user, it also signs them in: the session row is written by the same statement, and its
 * token signed while the statement runs. Under an `Idempotency-Key` the first answer to the key is
 * kept with the sign-up and replayed (limits/idempotency.ts); a replay starts no second session.
 * An address whose domain the policy refuses is EmailDomainNotAllowedError, a taken address
 * EmailTakenError, and then nothing is written.
 */
export async function createUser(services: SignUpServices, { email, idempotencyKey, requester }: SignUpRequest): Promise<SignUpResult> {
  const { config, db, keys } = services;
  // Checked before anything is started: nothing is written or signed for a request that is refused.
  assertEmailDomainAllowed(config.email.domainPolicy, email);
  const key = idempotencyKey === undefined ? undefined : parseIdempotencyKey(idempotencyKey);
  const userId = randomUUID();
  const session = requester && !config.email.requireVerification ? newSession(requester) : undefined;
  const plan = planSignUp(config, { userId, email, requester, session });
  const [{ created, replayed }, started] = await signWhileRunning(
    key === undefined ? signUpNow(db, plan) : signUpOnce(db, { key, fingerprint: fingerprintOf({ email }), plan }),
    () => session && signSessionToken(keys, config.session, { sessionId: session.id, userId, address: email }),
  );
  if (!created) throw new EmailTakenError(replayed);
  const user = { id: created.userId, user_id: created.userId, email_id: created.emailId };
  if (replayed) return { user, replayed };
  logUserCreated(config.auditLog, requester, { userId, actorEmail: config.email.requireVerification ? null : email });
  // The worker looks at the outbox now rather than at its next poll (it runs only while webhooks are on).
  if (!config.email.requireVerification) services.webhooks?.wake();
  return { user, session: started, replayed };
}

/**
 * Counts how a sign-up attempt at either door ended, once: its result (a new user, or a stored
 * answer again), or the failure that ended it, from admission to the statement.
 */
export function countSignUp({ metrics }: Pick<SignUpServices, "metrics">, ended: { result: SignUpResult } | { failure: unknown }): void {
  if (!metrics) return;
  if ("result" in ended) metrics.countSignUp(ended.result.replayed ? "replayed" : "created");
  else metrics.countSignUp(signUpFailureOutcome(ended.failure));
}

/** The sign-up's statement, through Prisma's adapter: the hot path of every sign-up (see queryThroughAdapter). */
async function signUpNow(db: Database, plan: SignUpPlan): Promise<SignUpOutcome> {
  const [row] = await queryThroughAdapter<{ user_id: string; email_id: string }>(db, signUpStatement(plan));
  return { created: row && { userId: row.user_id, emailId: row.email_id }, replayed: false };
}

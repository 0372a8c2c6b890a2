import { randomUUID } from "node:crypto";
import type { Database } from "@enroll/db";
import type { PasscodeAnswer, PublicConfig, UserInfo } from "@enroll/validators";
import { auditEntryStep, logAuditEntry, recordAuditFailure, type AuditActor } from "../audit/entries.ts";
import type { Config } from "../config/index.ts";
import {
  AddressClaimedError,
  InvalidRequestError,
  NotFoundError,
  PasscodeExpiredError,
  PasscodeIncorrectError,
  PasscodeNotFoundError,
  PasscodeUsedUpError,
  type EnrollError,
  type RateLimitState,
} from "../errors.ts";
import { emailSendData, emailLanguageOf, passcodeMessage } from "../email/messages.ts";
import { emailStep, expiredEmailsSweep } from "../email/outbox.ts";
import type { RateLimiters } from "../limits/rate-limit.ts";
import { log } from "../log.ts";
import { hashPasscode, newPasscode, passcodeMatches } from "../passcodes/codes.ts";
import {
  deletePasscode,
  expiredPasscodesSweep,
  MAX_PASSCODE_TRIES,
  mayVerify,
  NEW_PASSCODE,
  passcodeClaimStatement,
  passcodeStatement,
  readPasscodeTarget,
  type TriedPasscode,
  takePasscodeTry,
} from "../passcodes/passcodes.ts";
import type { Requester } from "../requester.ts";
import type { SigningKeys } from "../sessions/keys.ts";
import { newSession, sessionSteps, signSessionToken, signWhileRunning, type StartedSession } from "../sessions/sessions.ts";
import { SIGN_UP_PARTS, type SignUpStep } from "../sign-up-statement.ts";
import { callbacksFor } from "../webhooks/hooks.ts";
import { userCreatedEventStep, webhookEventStep } from "../webhooks/outbox.ts";

/** What signing in needs: the settings, the database, the keys that sign its session, the limits, and whatever delivers. */
interface SignInServices {
  config: Config;
  db: Database;
  keys: Pick<SigningKeys, "sign">;
  rateLimiter?: RateLimiters | undefined;
  /** Delivers committed webhook events (the `email.send` and `user.create` a passcode writes). */
  webhooks?: { wake(): void } | undefined;
  /** Sends committed emails; none unless they are sent by SMTP. */
  mail?: { wake(): void } | undefined;
}

export const USER_UNKNOWN = "user_id names no user";
export const EMAIL_UNKNOWN = "email_id names no address";
export const EMAIL_NOT_THEIRS = "email_id names an address that belongs to another user";
export const NO_PRIMARY_ADDRESS = "the user has no address of its own yet: send the email_id of the one it signed up with";

/** The frontend's settings, as the reference's `GET /.well-known/config` answers them: what Enroll does and does not do. */
export function publicConfigOf(config: Config): PublicConfig {
  return {
    password: { enabled: false, min_password_length: 8 },
    emails: { require_verification: config.email.requireVerification, max_num_of_addresses: 1 },
    providers: [],
    account: { allow_deletion: false, allow_signup: config.account.allowSignup },
    use_enterprise: false,
  };
}

/**
 * The admission of an address look-up (`POST /user`): it tells whether an address is registered,
 * as a sign-up's 409 does, so it counts against the same limit per client, before the body is read.
 */
export async function admitLookUp(
  { rateLimiter }: Pick<SignInServices, "rateLimiter">,
  requester: Requester | undefined,
): Promise<RateLimitState | undefined> {
  return requester && rateLimiter?.signUps.consume(requester.address);
}

/**
 * Who owns `email` (validated and lower-cased), as the reference's `POST /user`: NotFoundError when
 * no user does, which includes an address only reserved by a sign-up that waits to be verified.
 */
export async function lookUpUser({ db }: Pick<SignInServices, "db">, email: string): Promise<UserInfo> {
  const found = await db.email.findUnique({ where: { address: email }, select: { id: true, userId: true, verified: true } });
  if (!found?.userId) throw new NotFoundError();
  return { id: found.userId, email_id: found.id, verified: found.verified, has_webauthn_credential: false };
}

export interface InitializedPasscode {
  passcode: PasscodeAnswer;
  /** Where the user stands against its limit of passcodes, while rate limiting is on. */
  limit: RateLimitState | undefined;
}

/**
 * Sends `userId` a passcode (the reference's `POST /passcode/login/initialize`): to the address
 * `emailId`, which must be the user's own or one that no user owns while the user has none (its
 * sign-up's, waiting to be verified), or to its primary address. At most
 * RATE_LIMITER_PASSCODE_LIMITS_TOKENS per user in each interval (429). In one statement: the
 * passcode (its code's hash), the email in the outbox (or, with EMAIL_DELIVERY_ENABLED=false, the
 * `email.send` webhook) in `acceptLanguage`'s language, and the audit entry; the email is sent
 * after the commit. An unknown user is audited as the reference does.
 */
export async function initializePasscode(
  services: SignInServices,
  { userId, emailId, requester, acceptLanguage }: { userId: string; emailId?: string | undefined; requester?: Requester | undefined; acceptLanguage?: string | undefined },
): Promise<InitializedPasscode> {
  const { config, db } = services;
  const target = await readPasscodeTarget(db, userId, emailId);
  if (!target.userExists) {
    await recordAuditFailure(services, requester, { type: "passcode_login_init_failed", actor: undefined, error: "unknown user" });
    throw new InvalidRequestError(USER_UNKNOWN);
  }
  const limit = await services.rateLimiter?.passcodes.consume(userId);
  if (!target.address) throw new InvalidRequestError(emailId === undefined ? NO_PRIMARY_ADDRESS : EMAIL_UNKNOWN);
  if (!mayVerify(userId, target.address.userId, target.ownsAnAddress)) throw new InvalidRequestError(EMAIL_NOT_THEIRS);

  const code = newPasscode();
  const ttlSeconds = config.email.passcodeTtlSeconds;
  const to = target.address.address;
  const message = passcodeMessage({ code, ttlSeconds, serviceName: config.service.name, language: emailLanguageOf(acceptLanguage) });
  const actor: AuditActor = { userId, email: target.primary?.address ?? null };
  const webhookCallbacks = config.emailDelivery.via === "webhook" ? callbacksFor(config.webhooks, "email.send") : [];
  const steps: SignUpStep[] = [
    config.emailDelivery.via === "webhook"
      ? webhookEventStep(
          "queued_webhooks",
          "email.send",
          webhookCallbacks,
          emailSendData(message, { to, code, ttlSeconds, serviceName: config.service.name, validUntil: new Date(Date.now() + ttlSeconds * 1000) }),
          NEW_PASSCODE,
        )
      : emailStep("queued_email", { to, message, expiresInSeconds: ttlSeconds }, NEW_PASSCODE),
    expiredEmailsSweep("swept_emails"),
    expiredPasscodesSweep("swept_passcodes"),
    ...(config.auditLog.storageEnabled
      ? [auditEntryStep("init_succeeded_entry", "passcode_login_init_succeeded", requester, { actorPart: NEW_PASSCODE, actorEmail: actor.email })]
      : []),
  ];
  const id = randomUUID();
  const statement = passcodeStatement({ id, userId, emailId: target.address.id, ttlSeconds, hash: await hashPasscode(code) }, steps);
  const [row] = await db.$queryRaw<{ id: string; created_at: Date }[]>(statement);
  // The address went to another user since it was read.
  if (!row) throw new InvalidRequestError(EMAIL_NOT_THEIRS);

  logAuditEntry(config.auditLog, requester, { type: "passcode_login_init_succeeded", actor });
  announceDelivery(services, webhookCallbacks.length > 0);
  return { passcode: { id, ttl: ttlSeconds, created_at: row.created_at.toISOString() }, limit };
}

/** After a passcode's commit: whatever delivers it looks at its outbox now, and where it waits for a person, the log says where. */
function announceDelivery({ config, webhooks, mail }: SignInServices, webhookWritten: boolean): void {
  switch (config.emailDelivery.via) {
    case "smtp":
      return mail?.wake();
    case "webhook":
      if (webhookWritten) webhooks?.wake();
      return;
    case "mailbox":
      return log.info(`A passcode email is waiting in the mailbox: http://localhost:${config.port}/mailbox`);
    case "none":
      return log.warn(
        "A passcode email waits in the outbox, with no way to send it: set EMAIL_DELIVERY_SMTP_HOST and " +
          "EMAIL_DELIVERY_FROM_ADDRESS (it is sent then, if its passcode still works)",
      );
  }
}

export interface FinalizedPasscode {
  passcode: PasscodeAnswer;
  /** The session it started; none for an in-process caller, which has nowhere to keep one. */
  session: StartedSession | undefined;
}

/**
 * Signs in with a passcode (the reference's `POST /passcode/login/finalize`). The code is compared
 * (bcrypt, in constant time) only after one of the passcode's three tries is taken, so tries in
 * parallel gain nothing; a wrong code is PasscodeIncorrectError, the third is PasscodeUsedUpError
 * and deletes the passcode, an expired one PasscodeExpiredError, an unknown one
 * PasscodeNotFoundError, each audited as `passcode_login_final_failed`. The right code, in one
 * statement: the passcode is used up, its address verified and given to its user (and made its
 * primary address when it has none), a session started as a sign-up starts one, the audit entry
 * written, and, the first time a user's address is verified while verification is required, its
 * `user.create` event, as the reference sends it then rather than at sign-up.
 */
export async function finalizePasscode(
  services: SignInServices,
  { id, code, requester }: { id: string; code: string; requester?: Requester | undefined },
): Promise<FinalizedPasscode> {
  const { db } = services;
  const tried = await takePasscodeTry(db, id);
  if (!tried) return refuse(services, requester, new PasscodeNotFoundError(), "unknown passcode", undefined);
  const actor: AuditActor = { userId: tried.userId, email: tried.primaryAddress };
  if (tried.expired) return refuse(services, requester, new PasscodeExpiredError(), "timed out passcode", actor);
  if (tried.tries === null) return refuse(services, requester, new PasscodeUsedUpError(), "max attempts reached", actor);
  if (!(await passcodeMatches(code, tried.hash))) {
    if (tried.tries < MAX_PASSCODE_TRIES) return refuse(services, requester, new PasscodeIncorrectError(), "passcode invalid", actor);
    await deletePasscode(db, id);
    return refuse(services, requester, new PasscodeUsedUpError(), "max attempts reached", actor);
  }
  if (!mayVerify(tried.userId, tried.ownerId, tried.ownsAnAddress)) {
    return refuse(services, requester, new AddressClaimedError(), "email address claimed by another user", actor);
  }
  return signIn(services, tried, { id, requester });
}

async function signIn(
  { config, db, keys, webhooks }: SignInServices,
  tried: TriedPasscode,
  { id, requester }: { id: string; requester: Requester | undefined },
): Promise<FinalizedPasscode> {
  const address = tried.primaryAddress ?? tried.address;
  const session = requester && newSession(requester);
  // The user's address joins it now: the first sign-in of a sign-up that waited to be verified.
  const joins = tried.ownerId === null;
  const callbacks = config.email.requireVerification && joins ? callbacksFor(config.webhooks, "user.create") : [];
  const steps: SignUpStep[] = [
    ...(session ? sessionSteps(session, config.session.lifespanSeconds) : []),
    ...(config.auditLog.storageEnabled
      ? [auditEntryStep("final_succeeded_entry", "passcode_login_final_succeeded", requester, { actorPart: SIGN_UP_PARTS.signedUp, actorEmail: address })]
      : []),
    ...(callbacks.length > 0 ? [userCreatedEventStep(callbacks)] : []),
  ];
  const [[claimed], started] = await signWhileRunning(
    db.$queryRaw<{ used: boolean; user_id: string | null }[]>(passcodeClaimStatement(id, steps)),
    () => session && signSessionToken(keys, config.session, { sessionId: session.id, userId: tried.userId, address, verified: true }),
  );
  // A finalize beside this one used the passcode first, or the address went to another user meanwhile.
  if (!claimed?.used) throw new PasscodeNotFoundError();
  if (!claimed.user_id) throw new AddressClaimedError();
  logAuditEntry(config.auditLog, requester, { type: "passcode_login_final_succeeded", actor: { userId: tried.userId, email: address } });
  if (callbacks.length > 0) webhooks?.wake();
  return { passcode: { id, ttl: tried.ttl, created_at: tried.createdAt.toISOString() }, session: started };
}

/** Records a failed finalize (`passcode_login_final_failed`, with the reference's reason), then throws `error`. */
async function refuse(
  services: SignInServices,
  requester: Requester | undefined,
  error: EnrollError,
  reason: string,
  actor: AuditActor | undefined,
): Promise<never> {
  await recordAuditFailure(services, requester, { type: "passcode_login_final_failed", actor, error: reason });
  throw error;
}

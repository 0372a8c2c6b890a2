import { randomUUID } from "node:crypto";
import { setImmediate } from "node:timers/promises";
import { z } from "zod";
import { Prisma, type Database } from "@enroll/db";
import type { SignedInUser, UserResponse } from "@enroll/validators";
import type { Config } from "../config/index.ts";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import type { Requester } from "../requester.ts";
import { SIGN_UP_PARTS, type SignUpStep } from "../sign-up-statement.ts";
import type { SigningKeys } from "./keys.ts";

/** What the session rules need: the settings, the database and the keys. */
interface SessionServices {
  config: Pick<Config, "session">;
  db: Database;
  keys: SigningKeys;
}

/** A session a sign-up is about to start: its row is written by the sign-up's statement, its token signed meanwhile. */
export interface NewSession {
  id: string;
  /** Kept for the user to recognise a session, not in full: a header may be 16 KiB. */
  userAgent: string | undefined;
  ipAddress: string;
}

/** A session that has started: its token, and how long it lives. */
export interface StartedSession {
  token: string;
  lifetimeSeconds: number;
}

const USER_AGENT_KEPT_CHARACTERS = 512;

export function newSession({ address, userAgent }: Requester): NewSession {
  return { id: randomUUID(), userAgent: userAgent?.slice(0, USER_AGENT_KEPT_CHARACTERS), ipAddress: address };
}

/**
 * The sign-up's steps that write the session row, for a user who owns the claimed address only (a
 * sign-up that claims none starts no session), and delete up to two expired sessions (skipping any
 * another sign-up is deleting), which keeps the table at about the sessions alive, with no sweeper.
 */
export function sessionSteps({ id, userAgent, ipAddress }: NewSession, lifespanSeconds: number): SignUpStep[] {
  return [
    {
      name: "new_session",
      sql: Prisma.sql`
        INSERT INTO sessions (id, user_id, user_agent, ip_address, expires_at)
        SELECT ${id}::uuid, user_id, ${userAgent ?? null}, ${ipAddress},
               now() + make_interval(secs => ${lifespanSeconds}::int)
        FROM ${SIGN_UP_PARTS.address} WHERE user_id IS NOT NULL`,
    },
    {
      name: "expired_sessions",
      sql: Prisma.sql`
        DELETE FROM sessions WHERE id IN (
          SELECT id FROM sessions WHERE expires_at <= now() ORDER BY expires_at LIMIT 2 FOR UPDATE SKIP LOCKED
        )`,
    },
  ];
}

/** The session's token, with the reference's claims: `email` is the user's primary address, and whether it has been verified. */
export function signSessionToken(
  keys: Pick<SigningKeys, "sign">,
  { audience, issuer, lifespanSeconds }: Config["session"],
  { sessionId, userId, address, verified = false }: { sessionId: string; userId: string; address: string; verified?: boolean },
): StartedSession {
  const token = keys.sign(
    {
      sub: userId,
      aud: audience,
      ...(issuer === undefined ? {} : { iss: issuer }),
      session_id: sessionId,
      email: { address, is_primary: true, is_verified: verified },
    },
    { expiresInSeconds: lifespanSeconds },
  );
  return { token, lifetimeSeconds: lifespanSeconds };
}

/**
 * Sends `statement`, then signs the session's token (when `sign` gives one) while the database works
 * on it. Signing is synchronous and holds this thread, so it waits a turn of the event loop, by
 * which the statement has been written to its connection (or queued for one), rather than holding
 * the statement back. Promise.all leaves neither failure unobserved.
 */
export function signWhileRunning<T>(statement: Promise<T>, sign: () => StartedSession | undefined): Promise<[T, StartedSession | undefined]> {
  return Promise.all([statement, setImmediate().then(sign)]);
}

const sessionClaims = z.object({ sub: z.uuid(), session_id: z.uuid() });

/**
 * Whose session `token` is. It must be a JWT signed by one of our keys, not expired, for
 * our audience, from our issuer when SESSION_ISSUER names one, and its `session_id` must name a
 * live session of its `sub`: a session deleted (logout) or expired refuses the token on every
 * instance. Marks the session as used.
 */
export async function authenticate(
  { config, db, keys }: SessionServices,
  token: string | undefined,
): Promise<{ userId: string; sessionId: string }> {
  if (!token) throw new UnauthorizedError();
  const { audience, issuer } = config.session;
  const claims = await keys.verify(token, { audience, issuer }).catch(() => {
    throw new UnauthorizedError();
  });
  const parsed = sessionClaims.safeParse(claims);
  if (!parsed.success) throw new UnauthorizedError();
  const { sub: userId, session_id: sessionId } = parsed.data;
  const live = await db.$queryRaw<{ id: string }[]>`
    UPDATE sessions SET last_used = now()
    WHERE id = ${sessionId}::uuid AND user_id = ${userId}::uuid AND expires_at > now()
    RETURNING id`;
  if (live.length === 0) throw new UnauthorizedError();
  return { userId, sessionId };
}

/** The signed-in user's id and primary address. */
export async function currentUser(services: SessionServices, token: string | undefined): Promise<SignedInUser> {
  const { id, email } = await userOf(services.db, (await authenticate(services, token)).userId);
  return { id, email };
}

/** A user as `GET /users/{id}` shows it, to that user alone: anyone else's id, existing or not, is forbidden. */
export async function userForSession(services: SessionServices, token: string | undefined, userId: string): Promise<UserResponse> {
  const session = await authenticate(services, token);
  if (session.userId !== userId) throw new ForbiddenError();
  return userOf(services.db, userId);
}

/** Ends the session of `token`: its row is deleted, so the token is refused everywhere from now on. */
export async function signOut(services: SessionServices, token: string | undefined): Promise<void> {
  const { sessionId } = await authenticate(services, token);
  await services.db.session.deleteMany({ where: { id: sessionId } });
}

async function userOf(db: Database, userId: string): Promise<UserResponse> {
  const user = await db.user.findUnique({
    where: { id: userId },
    include: { primaryEmail: { include: { email: true } } },
  });
  // The session row cascades with its user, so a live session always has one.
  if (!user) throw new UnauthorizedError();
  return {
    id: user.id,
    email: user.primaryEmail?.email.address ?? null,
    webauthn_credentials: [],
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

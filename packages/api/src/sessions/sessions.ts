import { randomUUID } from "node:crypto";
import { z } from "zod";
import { Prisma } from "@enroll/db";
import type { SignedInUser, UserResponse } from "@enroll/validators";
import type { Context, RequestScope } from "../context.ts";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import { clearSessionCookie, sessionTokenOf } from "./delivery.ts";

/**
 * A session a sign-up is about to start: its row is written by the sign-up's own statement
 * (sessionRowStep), and its token is signed meanwhile (signSessionToken).
 */
export interface SessionToStart {
  id: string;
  /** Kept for the user to recognise a session, not in full: a header may be 16 KiB. */
  userAgent: string | undefined;
  ipAddress: string | undefined;
  /** Where the token goes once the sign-up has committed. */
  request: RequestScope;
}

const USER_AGENT_KEPT_CHARACTERS = 512;

/** A session for the sign-up of this request; none for an in-process caller, which has nowhere to keep a token. */
export function sessionFor({ request }: Context): SessionToStart | undefined {
  return (
    request && {
      id: randomUUID(),
      userAgent: request.header("user-agent")?.slice(0, USER_AGENT_KEPT_CHARACTERS),
      ipAddress: request.clientAddress,
      request,
    }
  );
}

/**
 * The sign-up's CTEs that write the session row, for the user of `claimed_email` only: a sign-up
 * that claims no address (taken, or on a path that leaves the address unowned) starts no session.
 * Each also deletes up to two expired sessions (skipping any another sign-up is deleting), which
 * keeps the table at about the sessions alive, with no sweeper to run.
 */
export function sessionRowStep(
  { id, userAgent, ipAddress }: Pick<SessionToStart, "id" | "userAgent" | "ipAddress">,
  { session }: Context["config"],
): Prisma.Sql {
  return Prisma.sql`new_session AS (
      INSERT INTO sessions (id, user_id, user_agent, ip_address, expires_at)
      SELECT ${id}::uuid, user_id, ${userAgent ?? null}, ${ipAddress ?? null},
             now() + make_interval(secs => ${session.lifespanSeconds}::int)
      FROM claimed_email
    ), expired_sessions AS (
      DELETE FROM sessions WHERE id IN (
        SELECT id FROM sessions WHERE expires_at <= now() ORDER BY expires_at LIMIT 2 FOR UPDATE SKIP LOCKED
      )
    )`;
}

/** The session's token, with the reference's claims. */
export function signSessionToken(
  { keys, config }: Pick<Context, "keys" | "config">,
  { sessionId, userId, address }: { sessionId: string; userId: string; address: string },
): Promise<string> {
  const { audience, issuer, lifespanSeconds } = config.session;
  return keys.sign(
    {
      sub: userId,
      aud: audience,
      ...(issuer === undefined ? {} : { iss: issuer }),
      session_id: sessionId,
      email: { address, is_primary: true, is_verified: false },
    },
    { expiresInSeconds: lifespanSeconds },
  );
}

const sessionClaims = z.object({ sub: z.uuid(), session_id: z.uuid() });

/**
 * Whose session the request carries. The token must be an RS256 JWT signed by one of our keys, not
 * expired, for our audience, from our issuer when SESSION_ISSUER names one, and its `session_id`
 * must name a live session of its `sub`: a session deleted (logout) or expired refuses the token on
 * every instance. Marks the session as used.
 */
export async function authenticate({ config, db, keys, request }: Context): Promise<{ userId: string; sessionId: string }> {
  const token = sessionTokenOf(request, config.session);
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
export async function currentUser(context: Context): Promise<SignedInUser> {
  const { id, email } = await userOf(context, (await authenticate(context)).userId);
  return { id, email };
}

/** A user as `GET /users/{id}` shows it, to that user alone: anyone else's id, existing or not, is forbidden. */
export async function userForSession(context: Context, userId: string): Promise<UserResponse> {
  const session = await authenticate(context);
  if (session.userId !== userId) throw new ForbiddenError();
  return userOf(context, userId);
}

/** Ends the request's session: its row is deleted, so its token is refused everywhere, and the cookie cleared. */
export async function signOut(context: Context): Promise<void> {
  const { sessionId } = await authenticate(context);
  await context.db.session.deleteMany({ where: { id: sessionId } });
  clearSessionCookie(context.request!, context.config.session);
}

async function userOf({ db }: Context, userId: string): Promise<UserResponse> {
  const user = await db.user.findUnique({
    where: { id: userId },
    include: { primaryEmail: { include: { email: true } } },
  });
  // The session row cascades with its user, so a live session always has one.
  if (!user) throw new UnauthorizedError();
  return {
    id: user.id,
    email: user.primaryEmail?.email.address ?? null,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

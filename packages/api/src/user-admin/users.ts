import { randomUUID } from "node:crypto";
import { Prisma, type Database } from "@enroll/db";
import type { AdminNewUser, AdminUser, UserListQuery } from "@enroll/validators";
import { auditEntryRows, logAuditEntry } from "../audit/entries.ts";
import type { Config } from "../config/index.ts";
import { NotFoundError, UserExistsError } from "../errors.ts";
import { containing, type Page } from "../listing.ts";
import type { Requester } from "../requester.ts";
import { userJson } from "../user-json.ts";
import { callbacksFor } from "../webhooks/hooks.ts";
import { eventRows } from "../webhooks/outbox.ts";
import type { WebhookWorker } from "../webhooks/worker.ts";

/** What an operator's changes to users need: the settings, the database, and what delivers their events. */
export interface UserAdminServices {
  config: Pick<Config, "auditLog" | "webhooks">;
  db: Database;
  webhooks?: Pick<WebhookWorker, "wake"> | undefined;
}

/** The reference's answer to an unknown user. */
const userNotFound = () => new NotFoundError("user not found");

/**
 * The users, newest first unless asked otherwise, a page at a time, as the reference lists them:
 * only users with an address of their own (a sign-up that waits for verification owns none yet),
 * those with an address that contains `email` (in any letter case) or those of `user_id`.
 */
export async function listUsers(db: Database, query: UserListQuery): Promise<Page<AdminUser>> {
  const { page, per_page: perPage, email, user_id: userIds, sort_direction: direction } = query;
  const filters = [
    email === undefined
      ? Prisma.sql`EXISTS (SELECT 1 FROM emails WHERE emails.user_id = listed.id)`
      : Prisma.sql`EXISTS (SELECT 1 FROM emails WHERE emails.user_id = listed.id AND emails.address LIKE ${containing(email)})`,
    ...(userIds === undefined ? [] : [Prisma.sql`listed.id = ANY(${userIds}::uuid[])`]),
  ];
  const order = direction === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const [row] = await db.$queryRaw<{ total: bigint; items: AdminUser[] }[]>`
    WITH matching AS (
      SELECT listed.* FROM users AS listed WHERE ${Prisma.join(filters, " AND ")}
    ), shown AS (
      SELECT * FROM matching
      ORDER BY created_at ${order}, id ${order}
      LIMIT ${perPage}::int OFFSET ${(page - 1) * perPage}::bigint
    )
    SELECT (SELECT count(*) FROM matching) AS total,
           COALESCE((SELECT json_agg(${userJson(Prisma.sql`shown`)} ORDER BY shown.created_at ${order}, shown.id ${order}) FROM shown), '[]'::json) AS items`;
  return { items: row!.items.map(withCredentials), total: Number(row!.total) };
}

/** A WITH clause of `steps` (each `name AS (...)`), or nothing when there are none. */
function withSteps(steps: Prisma.Sql[]): Prisma.Sql {
  return steps.length > 0 ? Prisma.sql`WITH ${Prisma.join(steps, ", ")}` : Prisma.empty;
}

/** The reference's admin user has the WebAuthn credentials beside the addresses; Enroll registers none. */
function withCredentials(user: Omit<AdminUser, "webauthn_credentials">): AdminUser {
  return { ...user, webauthn_credentials: [] };
}

/** One user with its addresses; NotFoundError for an id no user has. */
export async function findUser(db: Database, userId: string): Promise<AdminUser> {
  const [row] = await db.$queryRaw<{ user: AdminUser }[]>`SELECT ${userJson(Prisma.sql`found`)} AS user FROM users AS found WHERE found.id = ${userId}::uuid`;
  if (!row) throw userNotFound();
  return withCredentials(row.user);
}

/**
 * Creates a user as an operator gives it, in one transaction: the user (its id and creation time
 * as given, or new ones), its addresses (exactly one primary), the `user_created` audit entry and
 * the `user.create` event. An id or an address that exists already (owned or not) is
 * UserExistsError, and nothing is written; so is one that a concurrent request takes first.
 */
export async function createUserAsOperator(services: UserAdminServices, user: AdminNewUser, requester: Requester): Promise<AdminUser> {
  const { config, db } = services;
  const userId = user.id ?? randomUUID();
  const primary = user.emails.find(({ is_primary }) => is_primary)!.address;
  const callbacks = callbacksFor(config.webhooks, "user.create");
  const created = await db.$transaction(async (tx) => {
    const inserted = await tx.$queryRaw<unknown[]>`
      INSERT INTO users (id, created_at, updated_at)
      VALUES (${userId}::uuid, COALESCE(${user.created_at ?? null}::timestamptz AT TIME ZONE 'UTC', now()), now())
      ON CONFLICT (id) DO NOTHING RETURNING id`;
    if (inserted.length === 0) throw new UserExistsError("user");
    const addresses = await tx.$queryRaw<unknown[]>`
      INSERT INTO emails (user_id, address, verified)
      SELECT ${userId}::uuid, address, verified
      FROM unnest(${user.emails.map(({ address }) => address)}::text[], ${user.emails.map(({ is_verified }) => is_verified)}::boolean[]) AS given(address, verified)
      ON CONFLICT (address) DO NOTHING RETURNING id`;
    if (addresses.length < user.emails.length) throw new UserExistsError("email");
    await tx.$executeRaw`
      INSERT INTO primary_emails (email_id, user_id) SELECT id, user_id FROM emails WHERE user_id = ${userId}::uuid AND address = ${primary}`;
    const created = Prisma.sql`(SELECT * FROM users WHERE id = ${userId}::uuid) AS created`;
    const steps = [
      ...(config.auditLog.storageEnabled
        ? [Prisma.sql`entry AS (${auditEntryRows("user_created", requester, { actorUserId: Prisma.sql`created.id`, actorEmail: Prisma.sql`${primary}::text`, from: created })})`]
        : []),
      ...(callbacks.length > 0 ? [Prisma.sql`events AS (${eventRows("user.create", callbacks, userJson(Prisma.sql`created`), created)})`] : []),
    ];
    const [row] = await tx.$queryRaw<{ user: AdminUser }[]>`
      ${withSteps(steps)} SELECT ${userJson(Prisma.sql`created`)} AS user FROM ${created}`;
    return withCredentials(row!.user);
  });
  logAuditEntry(config.auditLog, requester, { type: "user_created", actor: { userId, email: primary } });
  if (callbacks.length > 0) services.webhooks?.wake();
  return created;
}

/**
 * Deletes a user as an operator asks (a GDPR erasure, say), in one statement and so one
 * transaction: its addresses, its primary email, its sessions (so its tokens are refused at once,
 * on every instance) and its idempotency keys go with it; the `user_deleted` audit entry and the
 * `user.delete` event, which carries the user as it was, are written in the same statement.
 * NotFoundError for an id no user has.
 */
export async function deleteUserAsOperator(services: UserAdminServices, userId: string, requester: Requester): Promise<void> {
  const { config, db } = services;
  const callbacks = callbacksFor(config.webhooks, "user.delete");
  const gone = Prisma.sql`gone_user`;
  const steps = [
    ...(config.auditLog.storageEnabled
      ? [Prisma.sql`entry AS (${auditEntryRows("user_deleted", requester, { actorUserId: Prisma.sql`gone_user.id`, actorEmail: Prisma.sql`gone_user.primary_address`, from: gone })})`]
      : []),
    ...(callbacks.length > 0 ? [Prisma.sql`events AS (${eventRows("user.delete", callbacks, Prisma.sql`gone_user.data`, gone)})`] : []),
  ];
  // Every part reads the rows as they were before the statement: the user as it was is read beside its deletion.
  const [deleted] = await db.$queryRaw<{ id: string; primary_address: string | null }[]>`
    ${withSteps([
      Prisma.sql`doomed AS (
        SELECT doomed.id, ${userJson(Prisma.sql`doomed`)} AS data,
          (SELECT emails.address FROM primary_emails JOIN emails ON emails.id = primary_emails.email_id WHERE primary_emails.user_id = doomed.id) AS primary_address
        FROM users AS doomed WHERE doomed.id = ${userId}::uuid FOR UPDATE
      )`,
      Prisma.sql`gone_primary_email AS (DELETE FROM primary_emails WHERE user_id IN (SELECT id FROM doomed))`,
      Prisma.sql`gone_keys AS (DELETE FROM idempotency_keys WHERE user_id IN (SELECT id FROM doomed))`,
      // Its addresses and sessions go with it (ON DELETE CASCADE).
      Prisma.sql`gone_user AS (DELETE FROM users USING doomed WHERE users.id = doomed.id RETURNING users.id, doomed.data, doomed.primary_address)`,
      ...steps,
    ])}
    SELECT id, primary_address FROM gone_user`;
  if (!deleted) throw userNotFound();
  logAuditEntry(config.auditLog, requester, { type: "user_deleted", actor: { userId, email: deleted.primary_address } });
  if (callbacks.length > 0) services.webhooks?.wake();
}

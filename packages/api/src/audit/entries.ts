import { Prisma, type Database } from "@enroll/db";
import type { Config } from "../config/index.ts";
import { log } from "../log.ts";
import type { Requester } from "../requester.ts";
import type { SignUpStep } from "../sign-up-statement.ts";

/** The entries Enroll writes, by the reference's type names. */
export type AuditEntryType =
  | "user_created"
  | "user_deleted"
  | "passcode_login_init_succeeded"
  | "passcode_login_init_failed"
  | "passcode_login_final_succeeded"
  | "passcode_login_final_failed";

/** An entry's actor, when there is one: the user, and its primary address (null when it has none). */
export interface AuditActor {
  userId: string;
  email: string | null;
}

/** User agents are kept to this many characters, so that no client decides how large an entry grows. */
const MAX_USER_AGENT_LENGTH = 255;

/** What an entry says of the request behind it; empty strings where there is no request, as in the reference. */
function metaOf(requester: Requester | undefined) {
  return {
    requestId: requester?.requestId ?? "",
    sourceIp: requester?.address ?? "",
    userAgent: (requester?.userAgent ?? "").slice(0, MAX_USER_AGENT_LENGTH),
  };
}

/**
 * An INSERT of one `type` entry for each row of `from`, for a CTE of the statement that does what
 * it records, so that the entry commits or fails with it. `actorUserId` and `actorEmail` are
 * expressions over `from`: the user the entry is about, and its primary address (null when none).
 */
export function auditEntryRows(
  type: AuditEntryType,
  requester: Requester | undefined,
  { actorUserId, actorEmail, from }: { actorUserId: Prisma.Sql; actorEmail: Prisma.Sql; from: Prisma.Sql },
): Prisma.Sql {
  const { requestId, sourceIp, userAgent } = metaOf(requester);
  return Prisma.sql`
    INSERT INTO audit_logs (type, meta_http_request_id, meta_source_ip, meta_user_agent, actor_user_id, actor_email)
    SELECT ${type}, ${requestId}, ${sourceIp}, ${userAgent}, ${actorUserId}, ${actorEmail} FROM ${from}`;
}

/**
 * An entry as a step named `name` of a statement (see sign-up-statement.ts), written in its
 * transaction and round trip, once for each row of `actorPart` (a part whose `user_id` is the
 * actor): none when that part is empty, so nothing is recorded for what did not happen.
 */
export function auditEntryStep(
  name: string,
  type: AuditEntryType,
  requester: Requester | undefined,
  { actorPart, actorEmail }: { actorPart: Prisma.Sql; actorEmail: string | null },
): SignUpStep {
  return {
    name,
    sql: auditEntryRows(type, requester, { actorUserId: Prisma.sql`user_id`, actorEmail: Prisma.sql`${actorEmail}::text`, from: actorPart }),
  };
}

/**
 * A failure's entry, written on its own (the failure wrote nothing else) with its `error`, and
 * logged as auditEntryStep's are; `actor` when the failure is known to concern a user.
 */
export async function recordAuditFailure(
  { db, config }: { db: Database; config: Pick<Config, "auditLog"> },
  requester: Requester | undefined,
  { type, actor, error }: { type: AuditEntryType; actor: AuditActor | undefined; error: string },
): Promise<void> {
  if (config.auditLog.storageEnabled) {
    const { requestId, sourceIp, userAgent } = metaOf(requester);
    await db.$executeRaw`
      INSERT INTO audit_logs (type, error, meta_http_request_id, meta_source_ip, meta_user_agent, actor_user_id, actor_email)
      VALUES (${type}, ${error}, ${requestId}, ${sourceIp}, ${userAgent}, ${actor?.userId ?? null}::uuid, ${actor?.email ?? null})`;
  }
  logAuditEntry(config.auditLog, requester, { type, actor, error });
}

/**
 * With AUDIT_LOG_CONSOLE_OUTPUT_ENABLED=true, an entry that was written (after its commit) as one
 * JSON line on stdout, with the reference's field names beside the log's own.
 */
export function logAuditEntry(
  { consoleOutputEnabled }: Config["auditLog"],
  requester: Requester | undefined,
  { type, actor, error = "" }: { type: AuditEntryType; actor: AuditActor | undefined; error?: string },
): void {
  if (!consoleOutputEnabled) return;
  const { requestId, sourceIp, userAgent } = metaOf(requester);
  log.info(
    {
      audience: "audit",
      type,
      error,
      http_request_id: requestId,
      source_ip: sourceIp,
      user_agent: userAgent,
      ...(actor ? { user_id: actor.userId } : {}),
      ...(actor?.email == null ? {} : { user_email: actor.email }),
    },
    "Audit log entry",
  );
}

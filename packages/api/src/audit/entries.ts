import { Prisma } from "@enroll/db";
import type { Config } from "../config/index.ts";
import { log } from "../log.ts";
import type { Requester } from "../requester.ts";

/** The entries Enroll writes, as the reference names their types. */
export type AuditEntryType = "user_created" | "user_deleted";

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
 * With AUDIT_LOG_CONSOLE_OUTPUT_ENABLED=true, an entry that was written (after its commit) as one
 * JSON line on stdout, with the reference's field names beside the log's own.
 */
export function logAuditEntry(
  { consoleOutputEnabled }: Config["auditLog"],
  type: AuditEntryType,
  requester: Requester | undefined,
  { userId, actorEmail }: { userId: string; actorEmail: string | null },
): void {
  if (!consoleOutputEnabled) return;
  const { requestId, sourceIp, userAgent } = metaOf(requester);
  log.info(
    {
      audience: "audit",
      type,
      error: "",
      http_request_id: requestId,
      source_ip: sourceIp,
      user_agent: userAgent,
      user_id: userId,
      ...(actorEmail === null ? {} : { user_email: actorEmail }),
    },
    "Audit log entry",
  );
}

import { Prisma } from "@enroll/db";
import type { Context } from "../context.ts";
import { log } from "../log.ts";

/** The audit entry of a sign-up, as the reference names its type. */
export const USER_CREATED = "user_created";

/** User agents are kept to this many characters, so that no client decides how large an entry grows. */
const MAX_USER_AGENT_LENGTH = 255;

/** What an entry says of the request behind it. */
export interface RequestMeta {
  /** The answer's X-Request-Id. */
  requestId: string;
  sourceIp: string;
  userAgent: string;
}

/** The request's meta; empty strings where there is no request, as in the reference. */
export function requestMetaOf({ request }: Context): RequestMeta {
  return {
    requestId: request?.requestId ?? "",
    sourceIp: request?.clientAddress ?? "",
    userAgent: (request?.header("user-agent") ?? "").slice(0, MAX_USER_AGENT_LENGTH),
  };
}

/**
 * The `user_created` entry as one more CTE of the sign-up's statement (after its `signed_up`), so
 * that it is written in the same transaction and round trip, and only when the sign-up wrote a user:
 * not for a taken address, not for a replayed `Idempotency-Key`. The actor is the new user, with
 * `actorEmail` (its primary address; null when it has none).
 */
export function userCreatedEntry({ requestId, sourceIp, userAgent }: RequestMeta, actorEmail: string | null): Prisma.Sql {
  return Prisma.sql`user_created_entry AS (
      INSERT INTO audit_logs (type, meta_http_request_id, meta_source_ip, meta_user_agent, actor_user_id, actor_email)
      SELECT ${USER_CREATED}, ${requestId}, ${sourceIp}, ${userAgent}, user_id, ${actorEmail}::text FROM signed_up
    )`;
}

/**
 * With AUDIT_LOG_CONSOLE_OUTPUT_ENABLED=true, the entry of a sign-up that was written (after its
 * commit) as one JSON line on stdout, with the reference's field names beside the log's own.
 */
export function logUserCreated(
  { config }: Context,
  { requestId, sourceIp, userAgent }: RequestMeta,
  { userId, actorEmail }: { userId: string; actorEmail: string | null },
): void {
  if (!config.auditLog.consoleOutputEnabled) return;
  log.info(
    {
      audience: "audit",
      type: USER_CREATED,
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

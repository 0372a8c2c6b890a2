import { Prisma } from "@enroll/db";
import type { Config } from "../config/index.ts";
import { log } from "../log.ts";
import type { Requester } from "../requester.ts";
import { SIGN_UP_PARTS, type SignUpStep } from "../sign-up-statement.ts";

/** The audit entry of a sign-up, as the reference names its type. */
const USER_CREATED = "user_created";

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
 * The `user_created` entry as a step of the sign-up's statement, so that it is written in the same
 * transaction and round trip, and only when the sign-up wrote a user: not for a taken address, not
 * for a replayed `Idempotency-Key`. The actor is the new user, with `actorEmail` (its primary
 * address; null when it has none).
 */
export function userCreatedStep(requester: Requester | undefined, actorEmail: string | null): SignUpStep {
  const { requestId, sourceIp, userAgent } = metaOf(requester);
  return {
    name: "user_created_entry",
    sql: Prisma.sql`
      INSERT INTO audit_logs (type, meta_http_request_id, meta_source_ip, meta_user_agent, actor_user_id, actor_email)
      SELECT ${USER_CREATED}, ${requestId}, ${sourceIp}, ${userAgent}, user_id, ${actorEmail}::text FROM ${SIGN_UP_PARTS.signedUp}`,
  };
}

/**
 * With AUDIT_LOG_CONSOLE_OUTPUT_ENABLED=true, the entry of a sign-up that was written (after its
 * commit) as one JSON line on stdout, with the reference's field names beside the log's own.
 */
export function logUserCreated(
  { consoleOutputEnabled }: Config["auditLog"],
  requester: Requester | undefined,
  { userId, actorEmail }: { userId: string; actorEmail: string | null },
): void {
  if (!consoleOutputEnabled) return;
  const { requestId, sourceIp, userAgent } = metaOf(requester);
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

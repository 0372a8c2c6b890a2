import type { Config } from "../config/index.ts";
import type { Requester } from "../requester.ts";
import { SIGN_UP_PARTS, type SignUpStep } from "../sign-up-statement.ts";
import { auditEntryStep, logAuditEntry } from "./entries.ts";

/**
 * The `user_created` entry as a step of the sign-up's statement, so that it is written in the same
 * transaction and round trip, and only when the sign-up wrote a user: not for a taken address, not
 * for a replayed `Idempotency-Key`. The actor is the new user, with `actorEmail` (its primary
 * address; null when it has none).
 */
export function userCreatedStep(requester: Requester | undefined, actorEmail: string | null): SignUpStep {
  return auditEntryStep("user_created_entry", "user_created", requester, { actorPart: SIGN_UP_PARTS.signedUp, actorEmail });
}

/**
 * With AUDIT_LOG_CONSOLE_OUTPUT_ENABLED=true, the entry of a sign-up that was written (after its
 * commit) as one JSON line on stdout, with the reference's field names beside the log's own.
 */
export function logUserCreated(
  auditLog: Config["auditLog"],
  requester: Requester | undefined,
  { userId, actorEmail }: { userId: string; actorEmail: string | null },
): void {
  logAuditEntry(auditLog, requester, { type: "user_created", actor: { userId, email: actorEmail } });
}

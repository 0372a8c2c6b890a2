import { Prisma } from "@enroll/db";
import type { Requester } from "../requester.ts";
import { SIGN_UP_PARTS, type SignUpStep } from "../sign-up-statement.ts";
import { auditEntryRows } from "./entries.ts";

/**
 * The `user_created` entry as a step of the sign-up's statement, so that it is written in the same
 * transaction and round trip, and only when the sign-up wrote a user: not for a taken address, not
 * for a replayed `Idempotency-Key`. The actor is the new user, with `actorEmail` (its primary
 * address; null when it has none).
 */
export function userCreatedStep(requester: Requester | undefined, actorEmail: string | null): SignUpStep {
  return {
    name: "user_created_entry",
    sql: auditEntryRows("user_created", requester, {
      actorUserId: Prisma.sql`user_id`,
      actorEmail: Prisma.sql`${actorEmail}::text`,
      from: SIGN_UP_PARTS.signedUp,
    }),
  };
}

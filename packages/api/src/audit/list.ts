import { Prisma, type Database } from "@enroll/db";
import type { AuditLogEntry, AuditLogListQuery } from "@enroll/validators";
import { containing, type Page } from "../listing.ts";
import { utcText } from "../user-json.ts";

/**
 * The audit log, newest first, a page at a time, as the reference lists it: by type, by parts of
 * the actor's id or address or the client's address (`q`: any of the three), and after
 * `start_time` and before `end_time`.
 */
export async function listAuditEntries(db: Database, query: AuditLogListQuery): Promise<Page<AuditLogEntry>> {
  const { page, per_page: perPage, type, actor_user_id: userId, actor_email: email, meta_source_ip: ip, q, start_time: start, end_time: end } = query;
  const filters = [
    ...(type === undefined ? [] : [Prisma.sql`type = ANY(${type}::text[])`]),
    ...(userId === undefined ? [] : [Prisma.sql`actor_user_id::text LIKE ${containing(userId)}`]),
    ...(email === undefined ? [] : [Prisma.sql`actor_email LIKE ${containing(email)}`]),
    ...(ip === undefined ? [] : [Prisma.sql`meta_source_ip LIKE ${containing(ip)}`]),
    ...(q === undefined
      ? []
      : [Prisma.sql`(actor_email LIKE ${containing(q)} OR meta_source_ip LIKE ${containing(q)} OR actor_user_id::text LIKE ${containing(q)})`]),
    ...(start === undefined ? [] : [Prisma.sql`created_at > ${start}::timestamptz AT TIME ZONE 'UTC'`]),
    ...(end === undefined ? [] : [Prisma.sql`created_at < ${end}::timestamptz AT TIME ZONE 'UTC'`]),
  ];
  const entry = Prisma.raw("entry");
  const where = filters.length > 0 ? Prisma.sql`WHERE ${Prisma.join(filters, " AND ")}` : Prisma.empty;
  // One statement, as the users' list: the total is counted from the rows the page is cut from.
  const [row] = await db.$queryRaw<{ total: bigint; items: AuditLogEntry[] }[]>`
    WITH matching AS (
      SELECT id, type, error, meta_http_request_id, meta_source_ip, meta_user_agent, actor_user_id, actor_email,
             ${utcText(entry, "created_at")} AS created_at, ${utcText(entry, "updated_at")} AS updated_at
      FROM audit_logs AS ${entry} ${where}
    ), shown AS (
      SELECT * FROM matching ORDER BY created_at DESC, id DESC
      LIMIT ${perPage}::int OFFSET ${(page - 1) * perPage}::bigint
    )
    SELECT (SELECT count(*) FROM matching) AS total,
           COALESCE((SELECT json_agg(shown ORDER BY shown.created_at DESC, shown.id DESC) FROM shown), '[]'::json) AS items`;
  // As the reference's JSON, which leaves out what is not set.
  const items = row!.items.map((item) => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== null)) as AuditLogEntry);
  return { items, total: Number(row!.total) };
}

import { Prisma } from "@enroll/db";

/** A timestamp column as the reference writes times in JSON: UTC, RFC 3339, as Prisma reads it. */
export function utcText(part: Prisma.Sql, column: string): Prisma.Sql {
  return Prisma.sql`to_char(${part}.${Prisma.raw(column)}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * The user whose row is `user` (a table or alias of `users`) as the reference's admin API and its
 * webhooks show it, built by the database in the statement that reads it: `id`, `created_at`,
 * `updated_at` and `emails` (each `id, address, is_verified, is_primary, created_at, updated_at`,
 * oldest first). Read in a statement that also deletes the user, it is the user as it was.
 */
export function userJson(user: Prisma.Sql): Prisma.Sql {
  const email = Prisma.raw("owned_email");
  return Prisma.sql`json_build_object(
    'id', ${user}.id,
    'created_at', ${utcText(user, "created_at")},
    'updated_at', ${utcText(user, "updated_at")},
    'emails', COALESCE((
      SELECT json_agg(json_build_object(
        'id', ${email}.id,
        'address', ${email}.address,
        'is_verified', ${email}.verified,
        'is_primary', EXISTS (SELECT 1 FROM primary_emails WHERE primary_emails.email_id = ${email}.id),
        'created_at', ${utcText(email, "created_at")},
        'updated_at', ${utcText(email, "updated_at")}
      ) ORDER BY ${email}.created_at, ${email}.id)
      FROM emails AS ${email} WHERE ${email}.user_id = ${user}.id
    ), '[]'::json)
  )`;
}

import type { Database } from "@enroll/db";
import type { SignUpsPerDay } from "@enroll/validators";

/**
 * How many users were created on each of the last `days` days, today included, oldest first, in
 * UTC; a day with none counts 0. Read through the index on `users.created_at`.
 */
export async function signUpsPerDay(db: Database, days: number): Promise<SignUpsPerDay> {
  const rows = await db.$queryRaw<{ day: string; count: number }[]>`
    WITH span AS (
      SELECT generate_series((now() AT TIME ZONE 'UTC')::date - (${days}::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day
    )
    SELECT to_char(span.day, 'YYYY-MM-DD') AS day, count(users.id)::int AS count
    FROM span LEFT JOIN users ON users.created_at >= span.day AND users.created_at < span.day + 1
    GROUP BY span.day ORDER BY span.day`;
  return rows;
}

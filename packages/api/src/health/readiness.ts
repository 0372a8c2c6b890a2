import type { Database } from "@enroll/db";

/** How long the database has to answer for the app to be ready. */
const READINESS_TIMEOUT_MS = 1_000;

/**
 * Whether the database answers a trivial query within READINESS_TIMEOUT_MS. Any failure or a late
 * answer is "not ready", never an error: a probe wants a yes or a no, and the database's own
 * timeouts (packages/db/src/unavailable.ts) end the query soon after.
 */
export async function isDatabaseReady(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS)));
  const answered = db.$queryRaw`SELECT 1`.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

import type { Database } from "@enroll/db";

/** How long the database has to answer for the app to be ready. */
const READINESS_TIMEOUT_MS = 1_000;

/**
 * How long one answer of the database serves every probe: however many probes arrive, the database
 * is asked at most about once a second, not once per probe, and sign-ups keep the pool.
 */
const READINESS_REUSE_MS = 1_000;

export interface ReadinessCheck {
  /**
   * Whether the database answered a trivial query within READINESS_TIMEOUT_MS, at most about
   * READINESS_REUSE_MS ago. Probes that arrive while the database is being asked wait for that
   * answer rather than ask again; none waits longer than READINESS_TIMEOUT_MS.
   */
  isReady(): Promise<boolean>;
}

/** The readiness of `db`, one per server: its answers are shared by every probe the server gets. */
export function createReadinessCheck(db: Pick<Database, "$queryRaw">): ReadinessCheck {
  let answer: Promise<boolean> | undefined;
  /** Until when `answer` serves: never past it while the database is being asked, so no second query starts. */
  let reusableUntil = 0;
  return {
    isReady() {
      if (answer && performance.now() < reusableUntil) return answer;
      reusableUntil = Infinity;
      answer = isDatabaseReady(db).finally(() => (reusableUntil = performance.now() + READINESS_REUSE_MS));
      return answer;
    },
  };
}

/**
 * Whether the database answers a trivial query within READINESS_TIMEOUT_MS. Any failure or a late
 * answer is "not ready", never an error: a probe wants a yes or a no, and the database's own
 * timeouts (packages/db/src/unavailable.ts) end the query soon after.
 */
async function isDatabaseReady(db: Pick<Database, "$queryRaw">): Promise<boolean> {
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

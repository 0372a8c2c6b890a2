import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.ts";
import { CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from "./unavailable.ts";

export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export type { Email, PrimaryEmail, User } from "./generated/prisma/client.ts";

export { isDatabaseUnavailable } from "./unavailable.ts";

export type Database = PrismaClient;

/**
 * A Prisma client on the `pg` driver, with a pool of at most `poolSize` connections. Errors come
 * without Prisma's formatted call site, as Prisma does by default only under NODE_ENV=production:
 * elsewhere (dev, tests) it captures a stack trace on every query for it, about a tenth of the
 * client's CPU per sign-up, for a message no client reads. Every connection attempt and statement
 * is bounded in time (see unavailable.ts), and a connection that timed out is dropped from the pool.
 */
export function createDatabase(url: string, { poolSize = 10 }: { poolSize?: number } = {}): Database {
  // The pool is made here rather than by the adapter, so that its counts can be read (poolStatsOf);
  // the adapter still ends it on $disconnect.
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), errorFormat: "minimal" });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Database, pg.Pool>();

/** How a database's pool of connections stands: open, idle (so in use: open - idle), and queries waiting for one. */
export interface PoolStats {
  open: number;
  idle: number;
  waiting: number;
}

export function poolStatsOf(db: Database): PoolStats | undefined {
  const pool = pools.get(db);
  return pool && { open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

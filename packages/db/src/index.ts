import { PrismaPg } from "@prisma/adapter-pg";
import type { ArgType, SqlQueryable } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { PrismaClient, type Prisma } from "./generated/prisma/client.ts";
import { CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from "./unavailable.ts";

export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export type { Email, PrimaryEmail, User } from "./generated/prisma/client.ts";

export { driverErrorOf, isDatabaseUnavailable } from "./unavailable.ts";

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
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({ adapter, errorFormat: "minimal" });
  // A second adapter on the same pool, for queryThroughAdapter; never disposed: the client's own ends the pool.
  let connected: Promise<SqlQueryable> | undefined;
  underneath.set(db, { pool, adapter: () => (connected ??= adapter.connect()) });
  return db;
}

/** What each client of createDatabase runs on: its pool (for poolStatsOf) and its adapter (for queryThroughAdapter). */
const underneath = new WeakMap<Database, { pool: pg.Pool; adapter: () => Promise<SqlQueryable> }>();

/** Each value as it is: the statement's SQL casts what it must (`::uuid`, `::int`). */
const AS_GIVEN: ArgType = { scalarType: "unknown", arity: "scalar" };

/**
 * The rows of `statement`, run by Prisma's pg adapter on the client's own pool and timeouts, past
 * Prisma Client's query pipeline (its request, its query interpreter, its mapping of the result):
 * for the one statement that every sign-up runs, where that pipeline was the largest cost of our
 * own. Measured on this machine, 3,000 sign-up statements 16 at a time, CPU per call in the
 * calling process: `$queryRaw` 0.19 ms, this 0.12 ms, `pg` alone 0.09 ms; and about a quarter
 * of the garbage a sign-up makes. Values come as the adapter reads them (a uuid or a timestamp as
 * text, never a Date or a BigInt), a failure as the adapter's DriverAdapterError, which
 * driverErrorOf reads as it reads Prisma Client's.
 */
export async function queryThroughAdapter<Row extends Record<string, unknown>>(db: Database, statement: Prisma.Sql): Promise<Row[]> {
  const connect = underneath.get(db)?.adapter;
  if (!connect) throw new Error("Not a database made by createDatabase");
  const { values } = statement;
  const { columnNames, rows } = await (await connect()).queryRaw({
    sql: statement.text,
    args: values,
    argTypes: values.map(() => AS_GIVEN),
  });
  return rows.map((row) => {
    const named: Record<string, unknown> = {};
    for (const [index, name] of columnNames.entries()) named[name] = row[index];
    return named as Row;
  });
}

/** How a database's pool of connections stands: open, idle (so in use: open - idle), and queries waiting for one. */
export interface PoolStats {
  open: number;
  idle: number;
  waiting: number;
}

export function poolStatsOf(db: Database): PoolStats | undefined {
  const pool = underneath.get(db)?.pool;
  return pool && { open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

/**
 * How long the app waits for the database: for a connection (from the pool, or a new one), and for
 * one statement (PostgreSQL cancels it at STATEMENT_TIMEOUT_MS; the client gives up a little later,
 * for a server that does not answer at all). Together about two seconds at the very worst, and one
 * of them alone in practice, so that a sign-up fails within 2 s while the database does not
 * answer, instead of waiting as long as it does. A new connection on a busy machine can take a few
 * hundred milliseconds, hence not less.
 */
export const CONNECT_TIMEOUT_MS = 800;
export const STATEMENT_TIMEOUT_MS = 1_000;
export const QUERY_TIMEOUT_MS = 1_200;

/** The adapter's kinds of failure that mean "the database is not there right now", not "this query is wrong". */
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/**
 * SQLSTATE classes 08 (connection exception), 53 (insufficient resources) and 57 (operator
 * intervention: a statement cancelled by statement_timeout, a server shutting down or starting).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57)/;

/** node-postgres's own timeouts and lost connections carry no code, only these messages. */
const DRIVER_MESSAGES = /timeout exceeded when trying to connect|Query read timeout|Connection terminated/;

/** What the pg adapter said of a failure: its kind, PostgreSQL's code and sentence and, for a unique violation, the index. */
export interface DriverError {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  constraint?: { index?: string };
}

/**
 * The pg adapter's account of `error`, whether it came through Prisma Client (in its
 * `meta.driverAdapterError`) or from the adapter itself (queryThroughAdapter's DriverAdapterError,
 * whose `cause` it is); undefined for any other error.
 */
export function driverErrorOf(error: unknown): DriverError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === "DriverAdapterError") return error.cause as DriverError | undefined;
  return (error as Error & { meta?: { driverAdapterError?: { cause?: DriverError } } }).meta?.driverAdapterError?.cause;
}

/**
 * Whether `error` (from Prisma Client on the pg adapter, or from the adapter itself) says that the
 * database did not answer in time or could not be reached: a failure to retry later, not a fault
 * of the request or the app.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = driverErrorOf(error);
  if (cause?.kind !== undefined && UNAVAILABLE_KINDS.has(cause.kind)) return true;
  if (cause?.originalCode !== undefined && UNAVAILABLE_SQLSTATE.test(cause.originalCode)) return true;
  return DRIVER_MESSAGES.test(error.message);
}

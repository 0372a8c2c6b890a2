import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";
import { driverErrorOf } from "@enroll/db";

const currentRequestId = new AsyncLocalStorage<string>();

/**
 * What a log line says of an error: its class, its code, the database adapter's kind of failure
 * when there is one, and the last line of its message (Prisma's first lines name only the call);
 * no stack.
 */
function errorSummary(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { class: typeof error, message: String(error).slice(0, 300) };
  const { code } = error as Error & { code?: unknown };
  const driverError = driverErrorOf(error);
  return {
    class: error.constructor.name,
    // Prisma Client's code, else PostgreSQL's (SQLSTATE) for a failure straight from the adapter.
    code: code ?? driverError?.originalCode,
    kind: driverError?.kind,
    // The adapter's own error is named by its kind alone; PostgreSQL's sentence is in its cause.
    message: ((error.name === "DriverAdapterError" && driverError?.originalMessage) || error.message).trim().split("\n").at(-1)?.slice(0, 300),
  };
}

/**
 * The app's log: one JSON line per event on stdout (pino), with its level, time, the request id of
 * the request it belongs to (see inRequest) and, for a failure, `err`: the error's class and code.
 * A failed request writes one line. For both the server's own steps and the rules in packages/api.
 */
export const log = pino({
  mixin: () => {
    const requestId = currentRequestId.getStore();
    return requestId === undefined ? {} : { requestId };
  },
  serializers: { err: errorSummary },
});

/** Runs `work` as part of the request `requestId`: every line it logs names that request. */
export function inRequest<T>(requestId: string, work: () => T): T {
  return currentRequestId.run(requestId, work);
}

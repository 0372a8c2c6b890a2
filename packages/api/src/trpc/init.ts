import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { ForbiddenError, TooManyRequestsError } from "../errors.ts";
import type { ResponseHeaders } from "../http/exchange.ts";
import { INTERNAL_SERVER_ERROR, retryAfterSeconds, toErrorBody } from "../http/failures.ts";
import type { Services } from "../http/services.ts";
import type { Requester } from "../requester.ts";

/**
 * What a procedure runs with: the services, and when it was called over HTTP, what the door read
 * of the request and the headers the procedure adds to the answer (cookies, rate-limit counts).
 * An in-process caller (createCaller) has no request.
 */
export interface TrpcContext {
  services: Services;
  request?: {
    requester: Requester;
    header(name: string): string | undefined;
    /** Sent by a browser from a page of a site that may not act here (http/cors.ts). */
    fromForeignSite: boolean;
    responseHeaders: ResponseHeaders;
  };
}

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  408: "TIMEOUT",
  409: "CONFLICT",
  // tRPC has no 410: a passcode tried too often is gone.
  410: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

/** Any failure as the typed tRPC error with the status and sentence that `POST /users` answers with. */
export function toTrpcError(cause: unknown): TRPCError {
  const { code, message } = toErrorBody(cause);
  return new TRPCError({ code: TRPC_CODE_BY_STATUS[code] ?? "INTERNAL_SERVER_ERROR", message, cause });
}

const t = initTRPC.context<TrpcContext>().create({
  // Clients see the error code and a sentence, never a stack or the cause behind an internal error;
  // past a limit, also how many seconds to wait (the answer's Retry-After), for clients that cannot read headers.
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    message: error.code === "INTERNAL_SERVER_ERROR" ? INTERNAL_SERVER_ERROR.message : shape.message,
    data: {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      path: shape.data.path,
      ...(error.cause instanceof TooManyRequestsError ? { retryAfter: retryAfterSeconds(error.cause.state) } : {}),
    },
  }),
});

/**
 * Gives every failure inside a procedure, input validation included, the same status and sentence
 * that `POST /users` answers with, as a typed tRPC error.
 */
const withDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  throw toTrpcError(result.error.cause ?? result.error);
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(withDomainErrors);

/**
 * A procedure that changes the session a cookie names: a browser's call from a page of a site that
 * may not act here is FORBIDDEN, as `POST /logout` refuses it (server/routes.ts, actsOnSessionCookie).
 */
export const sessionCookieProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.request?.fromForeignSite) throw new ForbiddenError();
  return next();
});

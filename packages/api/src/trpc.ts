import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { Context } from "./context.ts";
import { INTERNAL_SERVER_ERROR, InvalidRequestError, toErrorBody } from "./errors.ts";
import { BODY_NOT_JSON } from "./rest/body.ts";

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  403: "FORBIDDEN",
  409: "CONFLICT",
  422: "UNPROCESSABLE_CONTENT",
  429: "TOO_MANY_REQUESTS",
};

const t = initTRPC.context<Context>().create({
  // Clients see the error code and a sentence, never a stack or the cause behind an internal error.
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    message: error.code === "INTERNAL_SERVER_ERROR" ? INTERNAL_SERVER_ERROR.message : shape.message,
    data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path },
  }),
});

/**
 * Gives every failure inside a procedure, input validation included, the same status and sentence
 * that `POST /users` answers with, as a typed tRPC error.
 */
const withDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  // tRPC's resolver reads a body that is not JSON (an empty one, say) with `Request.json()` and
  // lets its SyntaxError through: the client's mistake, answered as the REST door answers it.
  const cause =
    result.error.cause instanceof SyntaxError ? new InvalidRequestError(BODY_NOT_JSON) : (result.error.cause ?? result.error);
  const { code, message } = toErrorBody(cause);
  throw new TRPCError({ code: TRPC_CODE_BY_STATUS[code] ?? "INTERNAL_SERVER_ERROR", message, cause });
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(withDomainErrors);

import { z } from "zod";
import { isDatabaseUnavailable } from "@enroll/db";
import type { ErrorBody } from "@enroll/validators";
import { AdminKeyRequiredError, EmailTakenError, EnrollError, TooManyRequestsError, type RateLimitState } from "../errors.ts";
import { log } from "../log.ts";
import { jsonResponse, type HttpResponse, type ResponseHeaders } from "./exchange.ts";
import { rateLimitHeaders } from "./sign-up-answer.ts";

/** What the client sees of any failure we did not expect: nothing about its cause. */
export const INTERNAL_SERVER_ERROR: ErrorBody = { code: 500, message: "Internal Server Error" };

/** The database did not answer in time, or could not be reached: worth trying again shortly. */
export const SERVICE_UNAVAILABLE: ErrorBody = { code: 503, message: "Service Unavailable" };

/** How many seconds a client should wait before it tries a 503 again (its `Retry-After`). */
export const RETRY_AFTER_SECONDS = 2;

/**
 * The one place where a failure becomes what the client sees, for every route and both doors: an
 * expected failure keeps its status and sentence, a validation failure reads as its first problem,
 * a database that does not answer is a 503, and anything else is a bare 500. Those two are logged
 * here, one line each (the error's class and code, see log.ts).
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof EnrollError) return { code: error.status, message: error.message };
  if (error instanceof z.ZodError) return { code: 400, message: error.issues[0]?.message ?? "Bad Request" };
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: error }, "Database unavailable");
    return SERVICE_UNAVAILABLE;
  }
  log.error({ err: error }, "Unexpected failure");
  return INTERNAL_SERVER_ERROR;
}

/** How many seconds a client past a limit waits: until its window ends, at least one. */
export function retryAfterSeconds({ resetsAt }: RateLimitState): number {
  return Math.max(1, Math.ceil((resetsAt - Date.now()) / 1000));
}

/**
 * The headers that go with a failure: `Retry-After` with a 503 (`status`, as toErrorBody gave it)
 * and with a 429 (and where the client stands), `Idempotent-Replayed` with a replayed 409,
 * `WWW-Authenticate` with the admin API's 401.
 */
export function failureHeaders(error: unknown, status: number): ResponseHeaders {
  if (error instanceof TooManyRequestsError) {
    return { ...rateLimitHeaders(error.state), "Retry-After": String(retryAfterSeconds(error.state)) };
  }
  if (error instanceof EmailTakenError && error.replayed) return { "Idempotent-Replayed": "true" };
  if (error instanceof AdminKeyRequiredError) return { "WWW-Authenticate": 'Bearer realm="enroll-admin"' };
  return status === 503 ? { "Retry-After": String(RETRY_AFTER_SECONDS) } : {};
}

/** A failure's answer in the contract's `{code, message}`, with its headers and `headers` (what the route had added). */
export function errorResponse(error: unknown, headers: ResponseHeaders = {}): HttpResponse {
  const body = toErrorBody(error);
  return jsonResponse(body.code, body, { ...headers, ...failureHeaders(error, body.code) });
}

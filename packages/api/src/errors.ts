import { z } from "zod";
import { isDatabaseUnavailable } from "@enroll/db";
import type { ErrorBody } from "@enroll/validators";
import { log } from "./log.ts";

/** A failure we expect and answer on purpose: its HTTP status and the sentence the client sees. */
export class EnrollError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = new.target.name;
  }
}

/** A request for what it may not have: another user's data, or a sign-up while sign-up is closed. */
export class ForbiddenError extends EnrollError {
  constructor() {
    super(403, "Forbidden");
  }
}

export class SignUpDisabledError extends ForbiddenError {}

/** No valid session: the token is missing, malformed, forged, expired, for another audience or revoked. */
export class UnauthorizedError extends EnrollError {
  constructor() {
    super(401, "Unauthorized");
  }
}

export class EmailTakenError extends EnrollError {
  constructor() {
    super(409, "Conflict");
  }
}

export class InvalidRequestError extends EnrollError {
  constructor(message: string) {
    super(400, message);
  }
}

/** A valid address whose domain the address policy refuses (EMAIL_DOMAIN_* and EMAIL_BLOCK_DISPOSABLE). */
export class EmailDomainNotAllowedError extends InvalidRequestError {
  constructor() {
    super("email domain is not allowed");
  }
}

/** What the client sees of any failure we did not expect: nothing about its cause. */
export const INTERNAL_SERVER_ERROR: ErrorBody = { code: 500, message: "Internal Server Error" };

/** The database did not answer in time, or could not be reached: worth trying again shortly. */
export const SERVICE_UNAVAILABLE: ErrorBody = { code: 503, message: "Service Unavailable" };

/** How many seconds a client should wait before it tries a 503 again (its `Retry-After`). */
export const RETRY_AFTER_SECONDS = 2;

/** The headers that go with an error's status: `Retry-After` with a 503. */
export function errorHeaders(status: number): Record<string, string> {
  return status === 503 ? { "Retry-After": String(RETRY_AFTER_SECONDS) } : {};
}

/**
 * The one place where a failure becomes what the client sees, for both doors: an expected failure
 * keeps its status and sentence, a validation failure reads as its first problem, a database that
 * does not answer is a 503, and anything else is a bare 500. Those two are logged here, one line
 * each (the error's class and code, see log.ts).
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof EnrollError) return { code: error.status, message: error.message };
  if (error instanceof z.ZodError) {
    return { code: 400, message: error.issues[0]?.message ?? "Bad Request" };
  }
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: error }, "Database unavailable");
    return SERVICE_UNAVAILABLE;
  }
  log.error({ err: error }, "Unexpected failure");
  return INTERNAL_SERVER_ERROR;
}

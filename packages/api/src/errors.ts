import { z } from "zod";
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

export class SignUpDisabledError extends EnrollError {
  constructor() {
    super(403, "Forbidden");
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

/** What the client sees of any failure we did not expect: nothing about its cause. */
export const INTERNAL_SERVER_ERROR: ErrorBody = { code: 500, message: "Internal Server Error" };

/**
 * The one place where a failure becomes what the client sees, for both doors: an expected failure
 * keeps its status and sentence, a validation failure reads as its first problem, and anything
 * else is logged here (one line: its class and code) and answered with a bare 500.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof EnrollError) return { code: error.status, message: error.message };
  if (error instanceof z.ZodError) {
    return { code: 400, message: error.issues[0]?.message ?? "Bad Request" };
  }
  log.error({ err: error }, "Unexpected failure");
  return INTERNAL_SERVER_ERROR;
}

/**
 * Every failure Enroll expects and answers on purpose, in one module: its HTTP status and the
 * sentence the client sees. The rules throw them; http/failures.ts turns any failure into the
 * contract's `{code, message}` (tRPC's door into its typed errors), in one place.
 */
export class EnrollError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = new.target.name;
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

/** No valid session: the token is missing, malformed, forged, expired, for another audience or revoked. */
export class UnauthorizedError extends EnrollError {
  constructor() {
    super(401, "Unauthorized");
  }
}

/** An admin request without the admin API's key (ADMIN_API_KEY), or with another one. */
export class AdminKeyRequiredError extends UnauthorizedError {}

/** A request for what it may not have: another user's data, or a sign-up while sign-up is closed. */
export class ForbiddenError extends EnrollError {
  constructor() {
    super(403, "Forbidden");
  }
}

export class SignUpDisabledError extends ForbiddenError {}

/** What the request names does not exist: `message` says what, as the reference words it ("user not found"). */
export class NotFoundError extends EnrollError {
  constructor(message = "Not Found") {
    super(404, message);
  }
}

/** A passcode's finalize names a passcode that does not exist: never sent, already used, or tried too often. */
export class PasscodeNotFoundError extends EnrollError {
  constructor() {
    super(401, "passcode not found");
  }
}

/** The code is not the passcode's; it may be tried again, up to three times in all. */
export class PasscodeIncorrectError extends EnrollError {
  constructor() {
    super(401, "passcode is incorrect");
  }
}

/** Past its lifetime (EMAIL_PASSCODE_TTL): the reference's 408. */
export class PasscodeExpiredError extends EnrollError {
  constructor() {
    super(408, "passcode has expired; request a new one");
  }
}

/** The third wrong code: the passcode is deleted, the reference's 410. */
export class PasscodeUsedUpError extends EnrollError {
  constructor() {
    super(410, "passcode was tried too many times and no longer works; request a new one");
  }
}

/**
 * The passcode's address went to another user between its initialize and its finalize (two users
 * waiting to verify one address: the first to finalize gets it), or the user already has another.
 */
export class AddressClaimedError extends EnrollError {
  constructor() {
    super(403, "this address belongs to another user");
  }
}

export class MethodNotAllowedError extends EnrollError {
  constructor() {
    super(405, "Method Not Allowed");
  }
}

/** The address belongs to a user already; `replayed` when this is the stored answer to an earlier request with the same Idempotency-Key. */
export class EmailTakenError extends EnrollError {
  readonly replayed: boolean;

  constructor(replayed = false) {
    super(409, "Conflict");
    this.replayed = replayed;
  }
}

/** An operator's new user clashes with what exists: its id, or one of its addresses, in any letter case. */
export class UserExistsError extends EnrollError {
  constructor(what: "user" | "email") {
    super(409, `${what} already exists`);
  }
}

export class IdempotencyKeyInUseError extends EnrollError {
  constructor() {
    super(409, "A request with this Idempotency-Key is still being processed; retry once it has been answered");
  }
}

export class PayloadTooLargeError extends EnrollError {
  constructor() {
    super(413, "Payload Too Large");
  }
}

export class UnsupportedMediaTypeError extends EnrollError {
  constructor() {
    super(415, "Unsupported Media Type");
  }
}

export class IdempotencyKeyReusedError extends EnrollError {
  constructor() {
    super(422, "This Idempotency-Key was already used with another request body");
  }
}

/** Where a client stands against its sign-up limit after this attempt. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** When the current window ends, in milliseconds since the Unix epoch. */
  resetsAt: number;
}

/** The client's sign-ups are used up for now: `state` says until when. */
export class TooManyRequestsError extends EnrollError {
  readonly state: RateLimitState;

  constructor(state: RateLimitState) {
    super(429, "Too Many Requests");
    this.state = state;
  }
}

/** The operations of Enroll's REST API, for the route table (server/routes.ts), which the document is built from. */
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";
import {
  aliveAnswer,
  createUserInput,
  createUserResponse,
  EMAIL_INVALID,
  errorBody,
  readyAnswer,
  jwksResponse,
  meResponse,
  passcodeAnswer,
  passcodeFinalizeInput,
  passcodeInitializeInput,
  PASSCODE_CODE_INVALID,
  publicConfig,
  userInfo,
  userResponse,
  type ErrorBody,
} from "@enroll/validators";
import {
  EmailDomainNotAllowedError,
  AddressClaimedError,
  EmailTakenError,
  ForbiddenError,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  InvalidRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PasscodeExpiredError,
  PasscodeIncorrectError,
  PasscodeNotFoundError,
  PasscodeUsedUpError,
  PayloadTooLargeError,
  SignUpDisabledError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "../errors.ts";
import { MAX_BODY_BYTES } from "../http/body.ts";
import { INTERNAL_SERVER_ERROR, RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE, toErrorBody } from "../http/failures.ts";
import { IDEMPOTENCY_KEY_INVALID, IDEMPOTENCY_KEY_LIFETIME_HOURS } from "../limits/idempotency.ts";
import { USER_UNKNOWN } from "../users/sign-in.ts";

export const TAG = "User Management";

export const requestIdHeader = z.string().meta({
  description: "The caller's `X-Request-Id` when it sent a short token (letters, digits, `_.:-`), else a new UUID",
  examples: ["9b2f6c1e-5d0a-4f57-8e1b-2a7c3d4e5f60"],
  header: { id: "X-Request-Id" },
});

const digits = z.string().regex(/^\d+$/);
const count = (id: string, description: string) => digits.meta({ description, header: { id } });
const optionalCount = (id: string, description: string) => digits.optional().meta({ description, header: { id } });

/** On every answer to a sign-up while rate limiting is on (RATE_LIMITER_ENABLED). */
const rateLimitHeaders = {
  "X-RateLimit-Limit": optionalCount("X-RateLimit-Limit", "Sign-ups allowed per client in each window"),
  "X-RateLimit-Remaining": optionalCount("X-RateLimit-Remaining", "Sign-ups this client has left in the current window"),
  "X-RateLimit-Reset": optionalCount("X-RateLimit-Reset", "When the current window ends, in seconds since the Unix epoch"),
};

const replayedHeader = z.literal("true").optional().meta({
  description: "Present when this is the stored answer to an earlier request with the same `Idempotency-Key` and body",
  header: { id: "Idempotent-Replayed" },
});

/** A failure's answer: the `{code, message}` body, with what the client really reads as its example, and `headers` beside `X-Request-Id`. */
export function failureResponse(id: string, description: string, example: ErrorBody, headers: Record<string, z.ZodType> = {}) {
  return {
    id,
    description,
    headers: z.object({ "X-Request-Id": requestIdHeader, ...headers }),
    content: { "application/json": { schema: errorBody, example } },
  } satisfies ZodOpenApiResponseObject;
}

/** An error answer of the public routes, which carry the rate limit's headers where it applies. */
function errorResponse(id: string, description: string, example: ErrorBody, headers: Record<string, z.ZodType> = {}) {
  return failureResponse(id, description, example, { ...rateLimitHeaders, ...headers });
}

const badRequest = errorResponse(
  "BadRequest",
  "The body is not a JSON object, or `email` is missing, not a string or not a valid address; or the address's " +
    `domain is refused by the address policy (\`${new EmailDomainNotAllowedError().message}\`: outside ` +
    "`EMAIL_DOMAIN_ALLOWLIST`, inside `EMAIL_DOMAIN_DENYLIST`, or disposable with `EMAIL_BLOCK_DISPOSABLE=true`); " +
    `or the \`Idempotency-Key\` is not valid (\`${IDEMPOTENCY_KEY_INVALID}\`)`,
  toErrorBody(new InvalidRequestError(EMAIL_INVALID)),
);
const forbidden = errorResponse(
  "Forbidden",
  "Sign-up is disabled (`ACCOUNT_ALLOW_SIGNUP=false`)",
  toErrorBody(new SignUpDisabledError()),
);
const conflict = errorResponse(
  "Conflict",
  "A user already owns this email address, in any letter case (`Conflict`, replayed as such under the same " +
    "`Idempotency-Key`); or a request with the same `Idempotency-Key` is still being processed " +
    `(\`${new IdempotencyKeyInUseError().message}\`): retry it later`,
  toErrorBody(new EmailTakenError()),
  { "Idempotent-Replayed": replayedHeader },
);
const unprocessable = errorResponse(
  "IdempotencyKeyReused",
  "This `Idempotency-Key` was used before with another body",
  toErrorBody(new IdempotencyKeyReusedError()),
);
const tooManyRequests = errorResponse(
  "TooManyRequests",
  "This client has used up its sign-ups for the current window",
  toErrorBody(new TooManyRequestsError({ limit: 10, remaining: 0, resetsAt: 0 })),
  { "Retry-After": count("Retry-After", "Seconds until this client may sign up again") },
);
const payloadTooLarge = errorResponse(
  "PayloadTooLarge",
  `The body is larger than ${MAX_BODY_BYTES} bytes`,
  toErrorBody(new PayloadTooLargeError()),
);
const unsupportedMediaType = errorResponse(
  "UnsupportedMediaType",
  "The body is not sent as `application/json`",
  toErrorBody(new UnsupportedMediaTypeError()),
);
const internalServerError = errorResponse("InternalServerError", "Internal server error", INTERNAL_SERVER_ERROR);
const serviceUnavailable = {
  ...errorResponse(
    "ServiceUnavailable",
    "The database did not answer within about two seconds, or could not be reached; try again after `Retry-After` seconds " +
      "(a sign-up whose statement reached the database just before may still have been written: its retry answers 409)",
    SERVICE_UNAVAILABLE,
  ),
  headers: z.object({
    "X-Request-Id": requestIdHeader,
    "Retry-After": z
      .string()
      .regex(/^\d+$/)
      .meta({ description: "Seconds to wait before trying again", examples: [String(RETRY_AFTER_SECONDS)], header: { id: "Retry-After" } }),
  }),
} satisfies ZodOpenApiResponseObject;

/** What a new session adds to a sign-up's 200 (see http/sign-up-answer.ts); a replayed answer has none of it. */
const sessionHeaders = {
  "Set-Cookie": z.string().optional().meta({
    description:
      "The session token as the `hanko` cookie (`SESSION_COOKIE_*`; `Max-Age` is `SESSION_LIFESPAN`), unless " +
      "`SESSION_ENABLE_AUTH_TOKEN_HEADER` is on; and the `hanko_email_id` cookie with the new address's id " +
      "(`SameSite=None`), which is the only cookie with `EMAIL_REQUIRE_VERIFICATION=true`",
    examples: ["hanko=eyJhbGciOiJSUzI1NiIs…; Max-Age=43200; Path=/; HttpOnly; Secure; SameSite=Strict"],
    header: { id: "Set-Cookie" },
  }),
  "X-Auth-Token": z.string().optional().meta({
    description: "The session token (a JWT signed with `SESSION_SIGNING_ALGORITHM`, RS256 by default), instead of the cookie, with `SESSION_ENABLE_AUTH_TOKEN_HEADER=true`",
    header: { id: "X-Auth-Token" },
  }),
  "X-Session-Lifetime": digits.optional().meta({
    description: "Seconds until the new session expires",
    examples: ["43200"],
    header: { id: "X-Session-Lifetime" },
  }),
};

export const createUserOperation: ZodOpenApiOperationObject = {
  tags: [TAG],
  summary: "Create a user",
  // The 405 of every other method is said here rather than as six operations of their own, which
  // crowded the reference page; the tests hold the app's 405 answers to this sentence.
  description:
    "Used to create a new user. To disable this endpoint, `ACCOUNT_ALLOW_SIGNUP` must be set to false.\n\n" +
    "The address is lower-cased before it is looked up and stored. Unknown keys in the body are ignored.\n\n" +
    "Any other method on `/users` answers `405` with the header `Allow: POST` and the body " +
    `\`${JSON.stringify(toErrorBody(new MethodNotAllowedError()))}\`.\n\n` +
    "Sign-ups are limited per client address (both this route and the tRPC `users.create` count): past the " +
    "limit the answer is `429` with `Retry-After`; every answer carries `X-RateLimit-*` while limiting is on.\n\n" +
    "With an `Idempotency-Key`, a retry is safe: the same key and body within " +
    `${IDEMPOTENCY_KEY_LIFETIME_HOURS} hours get the first answer again (status and body, with ` +
    "`Idempotent-Replayed: true`), even when that answer was lost on its way; the same key with another body " +
    "gets `422`, and while the key's first request is still running, `409`.\n\n" +
    "With `EMAIL_REQUIRE_VERIFICATION=true` the address stays unowned until it is verified: no primary email, " +
    "no session, and each repeat of the address answers `200` with a new user and the same `email_id`.\n\n" +
    "Otherwise a sign-up signs the new user in: the answer carries a session token (a JWT, RS256 unless `SESSION_SIGNING_ALGORITHM` says otherwise, that " +
    "`/.well-known/jwks.json` verifies) in the `hanko` cookie or the `X-Auth-Token` header, and " +
    "`X-Session-Lifetime`. A replayed answer starts no second session.",
  operationId: "createUser",
  deprecated: true,
  requestParams: {
    header: z.object({
      "Idempotency-Key": z
        .string()
        .regex(/^[\x21-\x7e]{1,255}$/)
        .optional()
        .meta({
          description:
            "A token of the client's choosing (a UUID, say), new for each sign-up and sent again with its retries",
          examples: ["5f0c3c9e-8a51-4a3e-9d43-6c2f1f0b7e21"],
        }),
    }),
  },
  requestBody: { content: { "application/json": { schema: createUserInput } } },
  responses: {
    200: {
      description: "Details about the created user",
      headers: z.object({
        "X-Request-Id": requestIdHeader,
        ...rateLimitHeaders,
        "Idempotent-Replayed": replayedHeader,
        ...sessionHeaders,
      }),
      content: { "application/json": { schema: createUserResponse } },
    },
    400: badRequest,
    403: forbidden,
    409: conflict,
    413: payloadTooLarge,
    415: unsupportedMediaType,
    422: unprocessable,
    429: tooManyRequests,
    500: internalServerError,
    503: serviceUnavailable,
  },
};

export const HEALTH_TAG = "Health";

/** A probe's 200 (or 503) answer: its body, never cached. */
function probeResponse(description: string, schema: z.ZodType, example: unknown) {
  return {
    description,
    headers: z.object({ "X-Request-Id": requestIdHeader }),
    content: { "application/json": { schema, example } },
  } satisfies ZodOpenApiResponseObject;
}

export const aliveOperation: ZodOpenApiOperationObject = {
  tags: [HEALTH_TAG],
  summary: "Liveness",
  description: "The process answers HTTP. Needs no session and is not rate-limited. `HEAD` answers the same without the body; any other method answers `405`.",
  operationId: "healthAlive",
  responses: { 200: probeResponse("The app is alive", aliveAnswer, { alive: true }) },
};

export const readyOperation: ZodOpenApiOperationObject = {
  tags: [HEALTH_TAG],
  summary: "Readiness",
  description:
    "The database answers too, within a second: send sign-ups here only while this answers `200`. Needs no session " +
    "and is not rate-limited. `HEAD` answers the same without the body; any other method answers `405`.",
  operationId: "healthReady",
  responses: {
    200: probeResponse("The database answered within a second", readyAnswer, { ready: true }),
    503: probeResponse("The database did not answer within a second, or could not be reached", readyAnswer, { ready: false }),
  },
};

/** A probe's HEAD: the GET's answer without its body, for balancers that probe with HEAD. */
export function headersOnly(operation: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  return { ...operation, summary: `${operation.summary} (headers only)`, operationId: `${operation.operationId}Head` };
}

const unauthorized = errorResponse(
  "Unauthorized",
  "No valid session: the token is missing, malformed, not signed by our keys, expired, for another audience, or its session has ended",
  toErrorBody(new UnauthorizedError()),
);

/** The routes that need a session take its token from the cookie or the `Authorization` header. */
const sessionSecurity: Record<string, string[]>[] = [{ CookieAuth: [] }, { BearerTokenAuth: [] }];

export const SESSION_TAG = "Session Management";

/** What every route of the session API may answer besides its own statuses. */
const sessionFailures = { 401: unauthorized, 500: internalServerError, 503: serviceUnavailable };

const okHeaders = z.object({ "X-Request-Id": requestIdHeader });

export const meOperation: ZodOpenApiOperationObject = {
  tags: [SESSION_TAG],
  summary: "Get the current user ID",
  description: "The id of the user whose session the request carries.",
  operationId: "IsUserAuthorized",
  security: sessionSecurity,
  responses: {
    200: { description: "The signed-in user's id", headers: okHeaders, content: { "application/json": { schema: meResponse } } },
    ...sessionFailures,
  },
};

export const getUserOperation: ZodOpenApiOperationObject = {
  tags: [TAG],
  summary: "Get a user by ID",
  description: "The signed-in user; any other id, whether or not a user has it, is `403`.",
  operationId: "getUser",
  security: sessionSecurity,
  requestParams: { path: z.object({ id: z.string().meta({ description: "The ID of the user", examples: ["c339547d-e17d-4ba7-8a1d-b3d5a4d17c1c"] }) }) },
  responses: {
    200: { description: "The user", headers: okHeaders, content: { "application/json": { schema: userResponse } } },
    403: errorResponse("NotYourUser", "The id is not the signed-in user's", toErrorBody(new ForbiddenError())),
    ...sessionFailures,
  },
};

export const logoutOperation: ZodOpenApiOperationObject = {
  tags: [SESSION_TAG],
  summary: "Log out the current user",
  description: "Ends the request's session, on every instance: its token is refused from now on. The session cookie is cleared.",
  operationId: "logout",
  security: sessionSecurity,
  responses: {
    204: {
      description: "The session has ended",
      headers: z.object({
        "X-Request-Id": requestIdHeader,
        "Set-Cookie": z.string().optional().meta({
          description: "The session cookie, emptied (`Max-Age=0`)",
          examples: ["hanko=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict"],
          header: { id: "Set-Cookie" },
        }),
      }),
    },
    ...sessionFailures,
  },
};

export const jwksOperation: ZodOpenApiOperationObject = {
  tags: [SESSION_TAG],
  summary: "Get JSON Web Key Set",
  description:
    "The public keys that verify session tokens, one per secret of `SECRETS_KEYS` and algorithm it has signed with " +
    "(`SESSION_SIGNING_ALGORITHM`: RS256 by default, ES256 or EdDSA), the signing key first; never a private part.",
  operationId: "getJwks",
  responses: {
    200: {
      description: "The public keys",
      headers: z.object({
        "X-Request-Id": requestIdHeader,
        "Cache-Control": z.literal("max-age=600").meta({ header: { id: "Cache-Control" } }),
      }),
      content: { "application/json": { schema: jwksResponse } },
    },
    500: internalServerError,
  },
};


export const PASSCODE_TAG = "Passcode";
export const WELL_KNOWN_TAG = ".well-known";

/** What each route that reads a JSON body may refuse it with, beside its own failures. */
const bodyFailures = { 413: payloadTooLarge, 415: unsupportedMediaType, 500: internalServerError, 503: serviceUnavailable };

export const publicConfigOperation: ZodOpenApiOperationObject = {
  tags: [WELL_KNOWN_TAG],
  summary: "Get the public configuration",
  description:
    "What a frontend needs to know of this service, as Hanko's elements read it: no passwords, passkeys or third-party " +
    "providers; whether addresses must be verified (`EMAIL_REQUIRE_VERIFICATION`) and sign-up is open (`ACCOUNT_ALLOW_SIGNUP`).",
  operationId: "getConfig",
  responses: {
    200: { description: "The configuration", headers: okHeaders, content: { "application/json": { schema: publicConfig } } },
    500: internalServerError,
  },
};

export const userLookUpOperation: ZodOpenApiOperationObject = {
  tags: [TAG],
  summary: "Get a user's ID by email",
  description:
    "Who owns an address, for a frontend choosing between signing in and signing up. This tells whether an address is " +
    "registered, as the `409` of `POST /users` does, so it counts against the same limit per client (`429` past it, " +
    "`X-RateLimit-*` on every answer while limiting is on). An address that a sign-up only reserved while it waits to be " +
    "verified belongs to no one yet: `404`.",
  operationId: "getUserId",
  requestBody: { content: { "application/json": { schema: createUserInput } } },
  responses: {
    200: {
      description: "The address's owner",
      headers: z.object({ "X-Request-Id": requestIdHeader, ...rateLimitHeaders }),
      content: { "application/json": { schema: userInfo } },
    },
    400: errorResponse("LookUpBadRequest", "The body is not a JSON object, or `email` is missing or not a valid address", toErrorBody(new InvalidRequestError(EMAIL_INVALID))),
    404: errorResponse("UserNotFound", "No user owns the address", toErrorBody(new NotFoundError())),
    429: tooManyRequests,
    ...bodyFailures,
  },
};

export const passcodeInitializeOperation: ZodOpenApiOperationObject = {
  tags: [PASSCODE_TAG],
  summary: "Initialize a passcode login",
  description:
    "Sends a six-digit passcode by email: to `email_id` (the user's own address, or the one its sign-up reserved while it " +
    "waits to be verified), or to the user's primary address. The email is written with the passcode and sent after the " +
    "commit (by SMTP, to the mailbox, or as the `email.send` webhook with `EMAIL_DELIVERY_ENABLED=false`), in the " +
    "language of `Accept-Language` (English or German; English otherwise). The passcode works for `EMAIL_PASSCODE_TTL` " +
    "seconds. At most `RATE_LIMITER_PASSCODE_LIMITS_TOKENS` passcodes per user in each `RATE_LIMITER_PASSCODE_LIMITS_INTERVAL`.",
  operationId: "passcodeInit",
  requestParams: {
    header: z.object({
      "Accept-Language": z.string().optional().meta({ description: "The language the email is written in", examples: ["de-DE,de;q=0.9,en;q=0.8"] }),
    }),
  },
  requestBody: { content: { "application/json": { schema: passcodeInitializeInput } } },
  responses: {
    200: {
      description: "The passcode was made and its email is on its way",
      headers: z.object({ "X-Request-Id": requestIdHeader, ...rateLimitHeaders }),
      content: { "application/json": { schema: passcodeAnswer } },
    },
    400: errorResponse(
      "PasscodeInitBadRequest",
      "The body is not a JSON object; `user_id` is missing or not a UUID, or names no user; `email_id` is not a UUID, names " +
        "no address or one of another user; or the user has no primary address and no `email_id` was sent",
      toErrorBody(new InvalidRequestError(USER_UNKNOWN)),
    ),
    429: {
      ...tooManyRequests,
      id: "PasscodeTooManyRequests",
      description: "This user has been sent all the passcodes it may have for now; `Retry-After` says when it may have another",
    },
    ...bodyFailures,
  },
};

export const passcodeFinalizeOperation: ZodOpenApiOperationObject = {
  tags: [PASSCODE_TAG],
  summary: "Finalize a passcode login",
  description:
    "Signs in with the passcode's code. The address it was sent to is verified, becomes the user's (its primary address " +
    "when it has none), and a session starts as a sign-up starts one: the token in the `hanko` cookie or `X-Auth-Token`, " +
    "with `X-Session-Lifetime`. A passcode takes three wrong codes: the first two answer `401`, the third `410`, and the " +
    "passcode is gone. With `EMAIL_REQUIRE_VERIFICATION=true`, the first sign-in of a new user sends its `user.create` webhook.",
  operationId: "passcodeFinal",
  requestBody: { content: { "application/json": { schema: passcodeFinalizeInput } } },
  responses: {
    200: {
      description: "Signed in",
      headers: z.object({ "X-Request-Id": requestIdHeader, ...sessionHeaders }),
      content: { "application/json": { schema: passcodeAnswer } },
    },
    400: errorResponse(
      "PasscodeFinalBadRequest",
      "The body is not a JSON object, `id` is missing or not a UUID, or `code` is not six digits",
      toErrorBody(new InvalidRequestError(PASSCODE_CODE_INVALID)),
    ),
    401: errorResponse(
      "PasscodeRefused",
      `The code is not the passcode's (\`${new PasscodeIncorrectError().message}\`), or there is no such passcode ` +
        `(\`${new PasscodeNotFoundError().message}\`: never sent, used, or tried three times)`,
      toErrorBody(new PasscodeIncorrectError()),
    ),
    403: errorResponse("AddressClaimed", "The address went to another user after the passcode was sent", toErrorBody(new AddressClaimedError())),
    408: errorResponse("PasscodeExpired", "The passcode is older than its lifetime", toErrorBody(new PasscodeExpiredError())),
    410: errorResponse("PasscodeUsedUp", "The third wrong code: the passcode is gone", toErrorBody(new PasscodeUsedUpError())),
    ...bodyFailures,
  },
};

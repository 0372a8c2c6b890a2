import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponseObject } from "zod-openapi";
import {
  aliveAnswer,
  createUserInput,
  createUserResponse,
  EMAIL_INVALID,
  errorBody,
  readyAnswer,
  type ErrorBody,
} from "@enroll/validators";
import {
  EmailTakenError,
  INTERNAL_SERVER_ERROR,
  InvalidRequestError,
  RETRY_AFTER_SECONDS,
  SERVICE_UNAVAILABLE,
  SignUpDisabledError,
  toErrorBody,
} from "../errors.ts";
import {
  IDEMPOTENCY_KEY_INVALID,
  IDEMPOTENCY_KEY_LIFETIME_HOURS,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
} from "../limits/idempotency.ts";
import { TooManyRequestsError } from "../limits/rate-limit.ts";
import {
  MAX_BODY_BYTES,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "../rest/body.ts";

const TAG = "User Management";

const requestIdHeader = z.string().meta({
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

const emailIdCookieHeader = z.string().optional().meta({
  description:
    "With `EMAIL_REQUIRE_VERIFICATION=true`: `hanko_email_id=<email_id>; HttpOnly; Secure; SameSite=None`, " +
    "as Hanko sets it for its elements to know where to send the first passcode",
  header: { id: "Set-Cookie" },
});

/** An error answer: the `{code, message}` body, with what the client really reads as its example. */
function errorResponse(
  id: string,
  description: string,
  example: ErrorBody,
  headers: Record<string, z.ZodType> = {},
) {
  return {
    id,
    description,
    headers: z.object({ "X-Request-Id": requestIdHeader, ...rateLimitHeaders, ...headers }),
    content: { "application/json": { schema: errorBody, example } },
  } satisfies ZodOpenApiResponseObject;
}

const badRequest = errorResponse(
  "BadRequest",
  "The body is not a JSON object, or `email` is missing, not a string or not a valid address; " +
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
  toErrorBody(new TooManyRequestsError()),
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

const createUserOperation: ZodOpenApiOperationObject = {
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
    "no session, and each repeat of the address answers `200` with a new user and the same `email_id`.",
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
        "Set-Cookie": emailIdCookieHeader,
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

const HEALTH_TAG = "Health";

/** A probe's 200 (or 503) answer: its body, never cached. */
function probeResponse(description: string, schema: z.ZodType, example: unknown) {
  return {
    description,
    headers: z.object({ "X-Request-Id": requestIdHeader }),
    content: { "application/json": { schema, example } },
  } satisfies ZodOpenApiResponseObject;
}

const aliveOperation: ZodOpenApiOperationObject = {
  tags: [HEALTH_TAG],
  summary: "Liveness",
  description: "The process answers HTTP. Needs no session and is not rate-limited. Any other method answers `405`.",
  operationId: "healthAlive",
  responses: { 200: probeResponse("The app is alive", aliveAnswer, { alive: true }) },
};

const readyOperation: ZodOpenApiOperationObject = {
  tags: [HEALTH_TAG],
  summary: "Readiness",
  description:
    "The database answers too, within a second: send sign-ups here only while this answers `200`. Needs no session " +
    "and is not rate-limited. Any other method answers `405`.",
  operationId: "healthReady",
  responses: {
    200: probeResponse("The database answered within a second", readyAnswer, { ready: true }),
    503: probeResponse("The database did not answer within a second, or could not be reached", readyAnswer, { ready: false }),
  },
};

/**
 * The OpenAPI document of Enroll's REST API, generated from the Zod schemas that validate requests
 * and shape answers. Its server is relative (`/`: the host that served the document), never taken
 * from a request's `Host` or `X-Forwarded-Host`, which anyone can set to make the document (and a
 * cache in front of it) point elsewhere.
 */
export function openApiDocument() {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Enroll API",
      version: "1.0.0",
      description:
        "Self-hosted user sign-up, drop-in compatible with the Hanko Public API's `POST /users`. " +
        "Every error answers with `{code, message}`: the HTTP status and a plain sentence.",
    },
    servers: [{ url: "/", description: "The app that serves this document" }],
    security: [],
    tags: [{ name: TAG }, { name: HEALTH_TAG }],
    paths: {
      "/users": {
        post: createUserOperation,
      },
      "/health/alive": { get: aliveOperation },
      "/health/ready": { get: readyOperation },
    },
    components: { schemas: { CreateUserResponseObject: createUserResponse, Error: errorBody } },
  });
}

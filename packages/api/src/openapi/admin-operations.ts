/** The operations of the admin API, for its route table (server/admin-routes.ts), which its document is built from. */
import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";
import {
  adminCreateUserInput,
  adminUser,
  auditLogEntry,
  auditLogListQuery,
  errorBody,
  signUpsPerDay,
  signUpsPerDayQuery,
  userListQuery,
} from "@enroll/validators";
import { AdminKeyRequiredError, ForbiddenError, InvalidRequestError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, UserExistsError } from "../errors.ts";
import { MAX_BODY_BYTES } from "../http/body.ts";
import { INTERNAL_SERVER_ERROR, RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE, toErrorBody } from "../http/failures.ts";
import type { DocumentIntro } from "./document.ts";
import { failureResponse, requestIdHeader } from "./operations.ts";

export const USERS_TAG = "User Management";
export const AUDIT_TAG = "Audit Logs";
export const METRICS_TAG = "Metrics";

/** Every admin route but the document asks for the key when ADMIN_API_KEY is set; none is asked without it. */
const adminSecurity: Record<string, string[]>[] = [{ AdminKey: [] }, {}];

const failures = {
  400: failureResponse("BadRequest", "A parameter or the body is not valid: the message says which and why", toErrorBody(new InvalidRequestError("id must be a UUID"))),
  401: failureResponse(
    "Unauthorized",
    "ADMIN_API_KEY is set and the request did not carry it as `Authorization: Bearer <key>`",
    toErrorBody(new AdminKeyRequiredError()),
    { "WWW-Authenticate": z.string().meta({ header: { id: "WWW-Authenticate" }, examples: ['Bearer realm="enroll-admin"'] }) },
  ),
  403: failureResponse(
    "Forbidden",
    "No ADMIN_API_KEY is set, and the request came from a browser page of another site or to a host name that is not loopback",
    toErrorBody(new ForbiddenError()),
  ),
  500: failureResponse("InternalServerError", "Internal server error", INTERNAL_SERVER_ERROR),
  503: failureResponse("ServiceUnavailable", "The database did not answer within about two seconds; try again after `Retry-After` seconds", SERVICE_UNAVAILABLE, {
    "Retry-After": z.string().regex(/^\d+$/).meta({ header: { id: "Retry-After" }, examples: [String(RETRY_AFTER_SECONDS)] }),
  }),
};

/** What a route without parameters or body may answer besides its own statuses. */
const unauthorizedAndWorse = { 401: failures[401], 403: failures[403], 500: failures[500], 503: failures[503] };
const notFound = failureResponse("NotFound", "No user has this ID", toErrorBody(new NotFoundError("user not found")));

const okHeaders = z.object({ "X-Request-Id": requestIdHeader });

/** A page of a list: the items, and the headers that say where the page stands. */
function pageResponse(description: string, item: z.ZodType) {
  return {
    description,
    headers: z.object({
      "X-Request-Id": requestIdHeader,
      "X-Total-Count": z.string().regex(/^\d+$/).meta({ header: { id: "X-Total-Count" }, description: "How many items the whole list holds, with the filters", examples: ["1234"] }),
      Link: z.string().meta({
        header: { id: "Link" },
        description: "Links to the first, previous, next and last pages (RFC 8288), relative to the request",
        examples: ['</users?page=1&per_page=20>; rel="first", </users?page=2&per_page=20>; rel="next", </users?page=62&per_page=20>; rel="last"'],
      }),
    }),
    content: { "application/json": { schema: z.array(item) } },
  } satisfies ZodOpenApiResponseObject;
}

const userIdPath = z.object({ id: z.string().meta({ description: "The ID of the user (a UUID)", examples: ["c339547d-e17d-4ba7-8a1d-b3d5a4d17c1c"] }) });

export const listUsersOperation: ZodOpenApiOperationObject = {
  tags: [USERS_TAG],
  summary: "Get a list of users",
  description: "The users that own an address, newest first unless `sort_direction=asc`, a page at a time.",
  operationId: "listUsers",
  security: adminSecurity,
  requestParams: { query: userListQuery },
  responses: { 200: pageResponse("A page of users", adminUser), ...failures },
};

export const createUserOperation: ZodOpenApiOperationObject = {
  tags: [USERS_TAG],
  summary: "Create a new user",
  description:
    "Creates a user with its addresses (exactly one primary), its ID and creation time as given or new, and sends `user.create` " +
    "to the webhooks that subscribe to it. An ID or an address that exists already (in any letter case) is `409`.",
  operationId: "createUser",
  security: adminSecurity,
  requestBody: { content: { "application/json": { schema: adminCreateUserInput } } },
  responses: {
    200: { description: "The new user", headers: okHeaders, content: { "application/json": { schema: adminUser } } },
    409: failureResponse("Conflict", "A user has this ID, or an address exists already", toErrorBody(new UserExistsError("email"))),
    413: failureResponse("PayloadTooLarge", `The body is larger than ${MAX_BODY_BYTES} bytes`, toErrorBody(new PayloadTooLargeError())),
    415: failureResponse("UnsupportedMediaType", "The body is not sent as `application/json`", toErrorBody(new UnsupportedMediaTypeError())),
    ...failures,
  },
};

export const getUserOperation: ZodOpenApiOperationObject = {
  tags: [USERS_TAG],
  summary: "Get a user by ID",
  operationId: "getUser",
  security: adminSecurity,
  requestParams: { path: userIdPath },
  responses: {
    200: { description: "The user", headers: okHeaders, content: { "application/json": { schema: adminUser } } },
    404: notFound,
    ...failures,
  },
};

export const deleteUserOperation: ZodOpenApiOperationObject = {
  tags: [USERS_TAG],
  summary: "Delete a user by ID",
  description:
    "Deletes the user with its addresses, sessions (its tokens are refused at once, on every instance) and idempotency keys, " +
    "in one transaction that also writes a `user_deleted` audit entry and the `user.delete` webhook event, which carries the user as it was.",
  operationId: "deleteUser",
  security: adminSecurity,
  requestParams: { path: userIdPath },
  responses: { 204: { description: "Deleted", headers: okHeaders }, 404: notFound, ...failures },
};

export const listAuditLogsOperation: ZodOpenApiOperationObject = {
  tags: [AUDIT_TAG],
  summary: "Get a list of audit logs",
  description: "The audit log, newest first, a page at a time. The text filters match any part, in any letter case.",
  operationId: "listAuditLogs",
  security: adminSecurity,
  requestParams: { query: auditLogListQuery },
  responses: { 200: pageResponse("A page of audit log entries", auditLogEntry), ...failures },
};

export const signUpsPerDayOperation: ZodOpenApiOperationObject = {
  tags: [USERS_TAG],
  summary: "Count the users created each day",
  description: "How many users were created on each of the last `days` days (UTC), today included, oldest first; the operator page's chart.",
  operationId: "signUpsPerDay",
  security: adminSecurity,
  requestParams: { query: signUpsPerDayQuery },
  responses: { 200: { description: "One count per day", headers: okHeaders, content: { "application/json": { schema: signUpsPerDay } } }, ...failures },
};

export const metricsOperation: ZodOpenApiOperationObject = {
  tags: [METRICS_TAG],
  summary: "Get Prometheus metrics",
  description:
    "Every metric, in Prometheus' text format: sign-ups by outcome, request durations, webhook attempts and the outbox, the database pool, and Node's process metrics.",
  operationId: "getMetrics",
  security: adminSecurity,
  responses: {
    200: {
      description: "The metrics (https://prometheus.io/docs/instrumenting/exposition_formats/)",
      headers: okHeaders,
      content: { "text/plain": { schema: z.string().meta({ examples: ['enroll_sign_ups_total{outcome="created"} 42'] }) } },
    },
    ...unauthorizedAndWorse,
  },
};

/** The admin listener's document: the operator's API, as the reference's admin API. */
export const ADMIN_API: DocumentIntro = {
  info: {
    title: "Enroll Admin API",
    version: "1.0.0",
    description:
      "Users, the audit log and metrics, for the people who run Enroll, on a listener of its own (`ADMIN_HOST`:`ADMIN_PORT`), " +
      "compatible with the Hanko Admin API's routes of the same names. Bound to loopback by default; with `ADMIN_API_KEY` set, " +
      "every request but this document needs `Authorization: Bearer <key>`. Every error answers with `{code, message}`.",
  },
  security: adminSecurity,
  tags: [{ name: USERS_TAG }, { name: AUDIT_TAG }, { name: METRICS_TAG }],
  components: {
    schemas: { Error: errorBody },
    securitySchemes: { AdminKey: { type: "http", scheme: "bearer", description: "`ADMIN_API_KEY`, when it is set" } },
  },
};

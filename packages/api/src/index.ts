export { loadConfig, ConfigError, type Config } from "./config.ts";
export { forRequest, type Context, type RequestScope } from "./context.ts";
export {
  EnrollError,
  EmailTakenError,
  errorHeaders,
  ForbiddenError,
  SignUpDisabledError,
  toErrorBody,
  UnauthorizedError,
} from "./errors.ts";
export { openSigningKeys, type SigningKeys } from "./sessions/keys.ts";
export { sessionRowStep, signSessionToken } from "./sessions/sessions.ts";
export { createUser, createUserStatement } from "./services/create-user.ts";
export { appRouter, createCaller, type AppRouter } from "./root.ts";
export { errorResponse, jsonResponse, requestIdOf, type HttpRequest, type HttpResponse } from "./http/exchange.ts";
export { fromNodeRequest, sendNodeResponse } from "./http/node.ts";
export { fetchHandler, trpcFetchHandler } from "./http/fetch.ts";
export { createTrpcNodeHandler } from "./http/trpc-node.ts";
export { securityHeaders } from "./http/security-headers.ts";
export { isPublicPath, publicCors } from "./http/cors.ts";
export { inRequest, log } from "./log.ts";
export { handleUsers } from "./rest/users.ts";
export { handleAlive, handleReady } from "./rest/health.ts";
export { handleJwks, handleLogout, handleMe, handleUser, sessionRouteFor } from "./rest/sessions.ts";
export { openSignUpRateLimiter, TooManyRequestsError, type SignUpRateLimiter } from "./limits/rate-limit.ts";
export { IDEMPOTENCY_KEY_LIFETIME_HOURS } from "./limits/idempotency.ts";
export { restRouteFor } from "./rest/routes.ts";
export type { Route } from "./rest/route.ts";
export { MAX_BODY_BYTES } from "./rest/body.ts";
export { openApiDocument } from "./openapi/document.ts";

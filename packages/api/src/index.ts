export { loadConfig, ConfigError, type Config } from "./config.ts";
export type { Context } from "./context.ts";
export { EnrollError, EmailTakenError, SignUpDisabledError, toErrorBody } from "./errors.ts";
export { createUser, createUserStatement } from "./services/create-user.ts";
export { appRouter, createCaller, type AppRouter } from "./root.ts";
export { handleCreateUser, handleMethodNotAllowed } from "./rest/create-user.ts";
export { MAX_BODY_BYTES } from "./rest/body.ts";
export { openApiDocument } from "./openapi/document.ts";

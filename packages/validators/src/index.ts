export * from "./create-user.ts";
export * from "./error-body.ts";
export * from "./health.ts";
export * from "./sessions.ts";
export * from "./admin.ts";
export * from "./passcodes.ts";

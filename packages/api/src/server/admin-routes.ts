import { jsonResponse } from "../http/exchange.ts";
import type { Route } from "../http/route.ts";
import { OPERATOR_PAGE } from "../listeners.ts";
import {
  ADMIN_API,
  createUserOperation,
  deleteUserOperation,
  getUserOperation,
  listAuditLogsOperation,
  listUsersOperation,
  metricsOperation,
  signUpsPerDayOperation,
} from "../openapi/admin-operations.ts";
import { lazyDocument } from "../openapi/document.ts";
import { deleteUser, getAuditLogs, getMetrics, getSignUpsPerDay, getUserAsOperator, getUsers, postUserAsOperator } from "../rest/admin.ts";

/**
 * Every route of the admin listener, each declared once, as routes.ts declares the public ones:
 * the admin listener routes by this table (any other path is a page), answers `405` from it, asks
 * for the admin key on every route that is not `keyless`, and its `/openapi.json` is built from it.
 * None is public: no other site's page may call them.
 */
export const adminRoutes: readonly Route[] = [
  {
    path: "/users",
    public: false,
    methods: { GET: { handle: getUsers, operation: listUsersOperation }, POST: { handle: postUserAsOperator, operation: createUserOperation } },
  },
  {
    path: "/users/{id}",
    public: false,
    methods: { GET: { handle: getUserAsOperator, operation: getUserOperation }, DELETE: { handle: deleteUser, operation: deleteUserOperation } },
  },
  { path: "/audit_logs", public: false, methods: { GET: { handle: getAuditLogs, operation: listAuditLogsOperation } } },
  { path: "/stats/sign_ups", public: false, methods: { GET: { handle: getSignUpsPerDay, operation: signUpsPerDayOperation } } },
  { path: "/metrics", public: false, methods: { GET: { handle: getMetrics, operation: metricsOperation } } },
  {
    path: "/openapi.json",
    public: false,
    keyless: true,
    methods: { GET: { handle: async () => jsonResponse(200, adminApiDocument()), operation: null } },
  },
  {
    // The listener's front door is the operator page.
    path: "/",
    public: false,
    keyless: true,
    methods: { GET: { handle: async () => ({ status: 302, headers: { Location: OPERATOR_PAGE }, body: "" }), operation: null } },
  },
];

/** The OpenAPI document of the routes above, made once. */
export const adminApiDocument = lazyDocument(adminRoutes, ADMIN_API);

import type { ZodOpenApiOperationObject } from "zod-openapi";
import type { Handler, HttpResponse } from "./exchange.ts";
import type { Services } from "./services.ts";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One method of a route: its handler, and its operation in the OpenAPI document (null: not part of the REST contract). */
export interface RouteMethod {
  handle: Handler<Services>;
  operation: ZodOpenApiOperationObject | null;
}

/**
 * A route, declared once in server/routes.ts (or admin-routes.ts, the admin listener's): the server routes by it, answers any other method
 * with `405` and `Allow` from it, applies CORS by it, and the OpenAPI document is built from it.
 */
export interface Route {
  /** The canonical path, with `{name}` for a segment that is a parameter. */
  path: string;
  methods: Partial<Record<Method, RouteMethod>>;
  /** Whether other sites' pages may call it (CORS, SERVER_PUBLIC_CORS_ALLOW_ORIGINS). */
  public: boolean;
  /**
   * Whether it changes the session a cookie names: then a browser's request from a page of a site
   * that may not act here is refused (403) whatever its method but GET and HEAD, since a cross-site
   * POST with no body needs no preflight.
   */
  actsOnSessionCookie?: boolean;
  /** Served on the admin listener without its key: it holds no data (the document, the way to the operator page). */
  keyless?: boolean;
  /** How this route refuses a method it does not answer, when not in the contract's `{code, message}` (tRPC's envelope). */
  refuseMethod?: (allow: string, params: Record<string, string>) => HttpResponse;
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { ForbiddenError, InvalidRequestError, MethodNotAllowedError } from "../errors.ts";
import { clientAddressOf } from "../http/client-address.ts";
import { isFromForeignSite, publicCors } from "../http/cors.ts";
import { requestIdOf } from "../http/exchange.ts";
import { errorResponse } from "../http/failures.ts";
import { fromNodeRequest, sendNodeResponse } from "../http/node.ts";
import type { Route } from "../http/route.ts";
import { securityHeaders } from "../http/security-headers.ts";
import type { Services } from "../http/services.ts";
import { LISTENER_HEADER, type ListenerName } from "../listeners.ts";
import { inRequest } from "../log.ts";
import { canonicalPath, createRouter } from "./router.ts";

type NodeHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

export interface PipelineOptions {
  services: Services;
  dev: boolean;
  /** Whatever serves the paths that name no route: Next.js's pages. */
  pages: NodeHandler;
  /** The listener's name, for the metrics and the pages: `public` or `admin`. */
  listener: ListenerName;
  /** The listener's route table: server/routes.ts, or server/admin-routes.ts. */
  routes: readonly Route[];
  /** A check of the listener's own before any route's handler (the admin API's key); it throws to refuse. */
  guard?: (request: IncomingMessage, route: Route) => void;
}

/**
 * The one way in, for each listener: every request that reaches the server, whatever its path and
 * however it is spelled, passes the same steps in this order before any handler runs, then goes to
 * its route in the listener's table or, when it names none, to `pages` (Next.js, which serves
 * pages only).
 */
export function requestPipeline({ services, dev, pages, listener, routes, guard }: PipelineOptions): NodeHandler {
  const route = createRouter(routes);
  const setSecurityHeaders = securityHeaders({ dev });
  const { trustedProxies, publicCorsAllowOrigins } = services.config.server;
  const answerCors = publicCors(publicCorsAllowOrigins);
  const { metrics } = services;

  async function answer(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<unknown> {
    // 1. Its id, which every answer and log line of the request carries.
    response.setHeader("X-Request-Id", requestId);
    // 2. The security headers.
    setSecurityHeaders(request, response);
    // 3. Its route, by the path in its one spelling; none: a page.
    const path = canonicalPath(request.url ?? "/");
    const match = path === undefined ? undefined : route(request.method ?? "GET", path);
    measure(request, response, match?.route.path ?? "page");
    if (!match) {
      request.headers[LISTENER_HEADER] = listener;
      return pages(request, response);
    }
    // 4. The listener's own check (the admin API's key).
    guard?.(request, match.route);
    // 5. CORS on the public routes, which answers their preflights.
    if (match.route.public && answerCors(request, response)) return;
    // 6. The client's address: a request from a client we cannot name is refused, never let past the limits.
    const address = clientAddressOf(request, trustedProxies);
    if (address === undefined) throw new InvalidRequestError("Bad Request");
    // 7. Its handler, or 405 with the methods the route answers.
    if (!match.method) {
      const refusal = match.route.refuseMethod?.(match.allow, match.params);
      return sendNodeResponse(response, refusal ?? errorResponse(new MethodNotAllowedError(), { Allow: match.allow }));
    }
    // 8. No page of a site that may not act here changes a session by its cookie.
    const fromForeignSite = isFromForeignSite(request, publicCorsAllowOrigins);
    if (match.route.actsOnSessionCookie && fromForeignSite && request.method !== "GET" && request.method !== "HEAD") throw new ForbiddenError();
    const requester = { requestId, address, userAgent: request.headers["user-agent"] };
    const routed = fromNodeRequest(request, { requester, params: match.params, fromForeignSite });
    return sendNodeResponse(response, await match.method.handle(routed, services));
  }

  /** How long the answer took, by route and status, once it has been sent. */
  function measure(request: IncomingMessage, response: ServerResponse, routePath: string): void {
    if (!metrics) return;
    const started = performance.now();
    response.once("finish", () => {
      const labels = { listener, method: request.method ?? "GET", route: routePath, status: response.statusCode };
      metrics.observeRequest(labels, (performance.now() - started) / 1000);
    });
  }

  return (request, response) => {
    const requestId = requestIdOf(request.headers["x-request-id"] as string | undefined);
    return inRequest(requestId, () =>
      answer(request, response, requestId).catch((error: unknown) => {
        const failure = errorResponse(error);
        if (response.headersSent) response.destroy();
        else sendNodeResponse(response, failure);
      }),
    );
  };
}

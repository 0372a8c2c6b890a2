import type { IncomingMessage, ServerResponse } from "node:http";
import { ForbiddenError, InvalidRequestError, MethodNotAllowedError } from "../errors.ts";
import { clientAddressOf } from "../http/client-address.ts";
import { isFromForeignSite, publicCors } from "../http/cors.ts";
import { requestIdOf } from "../http/exchange.ts";
import { errorResponse } from "../http/failures.ts";
import { fromNodeRequest, sendNodeResponse } from "../http/node.ts";
import { securityHeaders } from "../http/security-headers.ts";
import type { Services } from "../http/services.ts";
import { inRequest } from "../log.ts";
import { canonicalPath, createRouter } from "./router.ts";
import { routes } from "./routes.ts";

type NodeHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

/**
 * The one way in: every request that reaches the server, whatever its path and however it is
 * spelled, passes the same steps in this order before any handler runs, then goes to its route
 * (routes.ts) or, when it names none, to `pages` (Next.js, which serves pages only).
 */
export function requestPipeline({ services, dev, pages }: { services: Services; dev: boolean; pages: NodeHandler }): NodeHandler {
  const route = createRouter(routes);
  const setSecurityHeaders = securityHeaders({ dev });
  const { trustedProxies, publicCorsAllowOrigins } = services.config.server;
  const answerCors = publicCors(publicCorsAllowOrigins);

  async function answer(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<unknown> {
    // 1. Its id, which every answer and log line of the request carries.
    response.setHeader("X-Request-Id", requestId);
    // 2. The security headers.
    setSecurityHeaders(request, response);
    // 3. Its route, by the path in its one spelling; none: a page.
    const path = canonicalPath(request.url ?? "/");
    const match = path === undefined ? undefined : route(request.method ?? "GET", path);
    if (!match) return pages(request, response);
    // 4. CORS on the public routes, which answers their preflights.
    if (match.route.public && answerCors(request, response)) return;
    // 5. The client's address: a request from a client we cannot name is refused, never let past the limits.
    const address = clientAddressOf(request, trustedProxies);
    if (address === undefined) throw new InvalidRequestError("Bad Request");
    // 6. Its handler, or 405 with the methods the route answers.
    if (!match.method) {
      const refusal = match.route.refuseMethod?.(match.allow, match.params);
      return sendNodeResponse(response, refusal ?? errorResponse(new MethodNotAllowedError(), { Allow: match.allow }));
    }
    // 7. No page of a site that may not act here changes a session by its cookie.
    const fromForeignSite = isFromForeignSite(request, publicCorsAllowOrigins);
    if (match.route.actsOnSessionCookie && fromForeignSite && request.method !== "GET" && request.method !== "HEAD") throw new ForbiddenError();
    const requester = { requestId, address, userAgent: request.headers["user-agent"] };
    const routed = fromNodeRequest(request, { requester, params: match.params, fromForeignSite });
    return sendNodeResponse(response, await match.method.handle(routed, services));
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

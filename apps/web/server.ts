/**
 * Enroll's HTTP server, as `pnpm start` and `pnpm dev` run it: the sign-up doors, the session API
 * (/me, /logout, /users/{id}, /.well-known/jwks.json) and the probes (/health/*) are answered here,
 * straight from node:http,
 * and every other request (pages, /docs, /openapi.json, static files) is handed to Next.js. Next's
 * route handlers for the same paths stay for where Next.js serves alone; here they are never
 * reached, because a route handler costs several times the sign-up itself.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import next from "next";
import {
  appRouter,
  createTrpcNodeHandler,
  errorResponse,
  fromNodeRequest,
  inRequest,
  isPublicPath,
  openSignUpRateLimiter,
  publicCors,
  requestIdOf,
  restRouteFor,
  securityHeaders,
  sendNodeResponse,
  type Context,
} from "@enroll/api";

export interface RunningServer {
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then closes Next.js. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer({ context, dev }: { context: Context; dev: boolean }): Promise<RunningServer> {
  const { port } = context.config;
  const pages = next({ dev, dir: fileURLToPath(new URL(".", import.meta.url)), port });
  await pages.prepare();
  const handlePage = pages.getRequestHandler();
  const served: Context = { ...context, rateLimiter: await openSignUpRateLimiter(context.config) };
  const handleTrpc = createTrpcNodeHandler({ router: appRouter, endpoint: "/api/trpc", context: served });
  const { trustedProxies } = context.config.server;
  const setSecurityHeaders = securityHeaders({ dev });
  const applyCors = publicCors(context.config.server.publicCorsAllowOrigins);

  /**
   * Every request, in this order: its id (and its log lines'), the security headers, CORS on the
   * public routes (which answers their preflights), then its door.
   */
  async function route(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    response.setHeader("X-Request-Id", requestId);
    setSecurityHeaders(request, response);
    const path = request.url?.split("?", 1)[0] ?? "/";
    if (isPublicPath(path) && applyCors(request, response)) return;
    const restRoute = restRouteFor(path);
    if (restRoute) return sendNodeResponse(response, await restRoute(fromNodeRequest(request, requestId, trustedProxies), served));
    if (path.startsWith("/api/trpc/")) return handleTrpc(request, response, requestId);
    return handlePage(request, response);
  }

  // While closing, every answer says `Connection: close`, so that no client keeps a connection open
  // by sending its next request on it, and the server can finish.
  let closing = false;
  const unanswered = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    if (closing) response.setHeader("Connection", "close");
    unanswered.add(response);
    response.once("close", () => unanswered.delete(response));
    const requestId = requestIdOf(request.headers["x-request-id"] as string | undefined);
    inRequest(requestId, () =>
      route(request, response, requestId).catch((error: unknown) => {
        const answer = errorResponse(error);
        if (response.headersSent) response.destroy();
        else sendNodeResponse(response, answer);
      }),
    );
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, resolve));

  return {
    async close(graceMs = 10_000) {
      closing = true;
      for (const response of unanswered) if (!response.headersSent) response.setHeader("Connection", "close");
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      const overdue = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(overdue);
      await served.rateLimiter?.close();
      await pages.close();
    },
  };
}

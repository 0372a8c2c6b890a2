/**
 * Enroll's HTTP servers, as `pnpm start` and `pnpm dev` run them: the public listener on PORT and
 * the admin listener on ADMIN_HOST:ADMIN_PORT. Every request goes through one pipeline
 * (@enroll/api's server/pipeline.ts: request id, security headers, its route by the normalised
 * path, the listener's own check, CORS, the client's address, then its handler from the listener's
 * route table: server/routes.ts, or server/admin-routes.ts); a path that names no route is a page,
 * and Next.js serves it. Next.js serves pages only: no route of either API is Next's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import next from "next";
import { adminKeyCheck, adminRoutes, answerClientError, recordPeer, requestPipeline, routes, type Services } from "@enroll/api";

type NodeHandler = (request: IncomingMessage, response: ServerResponse) => unknown;

/** Next.js, prepared once and shared by both listeners. */
export interface Pages {
  handle: NodeHandler;
  close(): Promise<void>;
}

export async function openPages({ dev, port }: { dev: boolean; port: number }): Promise<Pages> {
  const app = next({ dev, dir: fileURLToPath(new URL(".", import.meta.url)), port });
  await app.prepare();
  return { handle: app.getRequestHandler(), close: () => app.close() };
}

export interface RunningServer {
  /** Where it listens, e.g. http://127.0.0.1:3001. */
  url: string;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** The public listener on PORT, every interface: the sign-up, sessions, probes and pages. */
export function startServer({ services, dev, pages }: { services: Services; dev: boolean; pages: Pages }): Promise<RunningServer> {
  const handle = requestPipeline({ services, dev, pages: pages.handle, listener: "public", routes });
  return listen(handle, services, { port: services.config.port });
}

/** The admin listener on ADMIN_HOST:ADMIN_PORT: users, the audit log, metrics, and the operator page, behind the admin key when one is set. */
export function startAdminServer({ services, dev, pages }: { services: Services; dev: boolean; pages: Pages }): Promise<RunningServer> {
  const { port, host, apiKey } = services.config.admin;
  const handle = requestPipeline({ services, dev, pages: pages.handle, listener: "admin", routes: adminRoutes, guard: adminKeyCheck(apiKey) });
  return listen(handle, services, { port, host });
}

/** A node:http server for `handle` with the limits every listener shares, listening on `port` (and `host`, else every interface). */
async function listen(handle: NodeHandler, { config }: Services, { port, host }: { port: number; host?: string }): Promise<RunningServer> {
  const limits = config.server;
  // While closing, every answer says `Connection: close`, so that no client keeps a connection open
  // by sending its next request on it, and the server can finish.
  let closing = false;
  const unanswered = new Set<ServerResponse>();
  const server = createServer(
    {
      // A slow client holds a connection no longer than this; the timeouts are checked every second.
      headersTimeout: limits.headersTimeoutSeconds * 1000,
      requestTimeout: limits.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: 1000,
    },
    (request, response) => {
      if (closing) response.setHeader("Connection", "close");
      unanswered.add(response);
      response.once("close", () => unanswered.delete(response));
      handle(request, response);
    },
  );
  server.maxConnections = limits.maxConnections;
  // The peer's address is taken as the connection opens, while the socket still has one.
  server.on("connection", recordPeer);
  // What Node cannot parse, or what comes too slowly, is answered in the contract's shape.
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));

  return {
    url: `http://${host?.includes(":") ? `[${host}]` : (host ?? "localhost")}:${port}`,
    async close(graceMs = 10_000) {
      closing = true;
      for (const response of unanswered) if (!response.headersSent) response.setHeader("Connection", "close");
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      const overdue = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(overdue);
    },
  };
}

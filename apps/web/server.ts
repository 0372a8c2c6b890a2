/**
 * Enroll's HTTP server, as `pnpm start` and `pnpm dev` run it. Every request goes through one
 * pipeline (@enroll/api's server/pipeline.ts: request id, security headers, its route by the
 * normalised path, CORS, the client's address, then its handler from server/routes.ts); a path that
 * names no route is a page, and Next.js serves it. Next.js serves pages only: no route of the API
 * is Next's.
 */
import { createServer, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import next from "next";
import { answerClientError, recordPeer, requestPipeline, type Services } from "@enroll/api";

export interface RunningServer {
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then closes Next.js. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer({ services, dev }: { services: Services; dev: boolean }): Promise<RunningServer> {
  const { port, server: limits } = services.config;
  const pages = next({ dev, dir: fileURLToPath(new URL(".", import.meta.url)), port });
  await pages.prepare();
  const handle = requestPipeline({ services, dev, pages: pages.getRequestHandler() });

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
      await pages.close();
    },
  };
}

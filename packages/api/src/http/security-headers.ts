import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/**
 * The security headers of every answer, set by helmet: `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer` and the rest of helmet's defaults, with a Content-Security-Policy
 * that no page may frame (`frame-ancestors 'none'`) and that loads nothing from another host.
 * Scripts may be inline because Next.js and /docs (Scalar's configuration) write inline scripts;
 * `next dev` also evaluates code for hot reload. No `upgrade-insecure-requests`: the app speaks
 * plain HTTP, and TLS, where there is any, ends in front of it.
 */
export function securityHeaders({ dev }: { dev: boolean }): (request: IncomingMessage, response: ServerResponse) => void {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        "script-src": ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": null,
      },
    },
  });
  // helmet only sets headers, synchronously, and calls `next` without an error.
  return (request, response) => setHeaders(request, response, () => {});
}

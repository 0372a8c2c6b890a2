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
  const headers = helmetHeaders({ dev });
  return (_request, response) => {
    for (const [name, value] of headers) response.setHeader(name, value);
  };
}

/**
 * What helmet sets, asked of it once: with no directive that depends on the request (no nonce),
 * its headers are the same for every answer, so its middleware chain need not run for each.
 */
function helmetHeaders({ dev }: { dev: boolean }): [name: string, value: string][] {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        "script-src": ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": null,
      },
    },
  });
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  };
  // helmet only sets and removes headers, synchronously, and calls `next` without an error.
  setHeaders({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return [...headers];
}

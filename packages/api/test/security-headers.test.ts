import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import helmet from "helmet";
import { describe, expect, it } from "vitest";
import { securityHeaders } from "../src/http/security-headers.ts";

/** The headers of an answer from a real node:http server whose handler is `handle`. */
async function headersOf(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<Record<string, string>> {
  const server = createServer((request, response) => {
    handle(request, response);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const headers = Object.fromEntries(response.headers);
    for (const name of ["date", "connection", "keep-alive", "content-length", "transfer-encoding"]) delete headers[name];
    return headers;
  } finally {
    server.close();
  }
}

describe("the security headers", () => {
  const options = (dev: boolean) => ({
    contentSecurityPolicy: {
      directives: {
        "script-src": ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": null,
      },
    },
  });

  for (const dev of [false, true]) {
    it(`are exactly what helmet's middleware sets on each answer (${dev ? "next dev" : "production"})`, async () => {
      const ours = await headersOf(securityHeaders({ dev }));
      const helmets = await headersOf((request, response) => helmet(options(dev))(request, response, () => {}));

      expect(ours).toEqual(helmets);
      expect(ours).toMatchObject({ "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
      expect(ours["content-security-policy"]).toContain("frame-ancestors 'none'");
    });
  }
});

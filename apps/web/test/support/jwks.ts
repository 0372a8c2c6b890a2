import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openSigningKeys } from "@enroll/api/sessions/keys";
import type { Database } from "@enroll/db";

/**
 * The app's public keys as `/.well-known/jwks.json` serves them, on loopback: read when asked from
 * the key store that the app made on the same database (no SECRETS_KEYS: the one unencrypted key),
 * so it may be served before the app has started. The route itself comes with the sessions work;
 * until it is merged here, this stands in for it.
 */
export async function serveAppJwks(db: Database): Promise<{ url: string; close(): void }> {
  const server = createServer(async (_request, response) => {
    const keys = await openSigningKeys(db, []);
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(keys.publicJwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    close: () => server.close(),
  };
}

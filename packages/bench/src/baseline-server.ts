/**
 * The ceiling the app is measured against: a bare `node:http` server that does exactly the work of
 * a sign-up that the app cannot do without (the service's own statement with its session row and
 * audit entry, one round trip, on a `pg` pool of the app's size, and the session token signed with
 * the app's own RS256 key while the statement runs) and nothing else: no framework, no input
 * validation, no request id header, no cookie options. It reads the same settings as the app
 * (DATABASE_URL, DATABASE_POOL_SIZE, PORT, SECRETS_KEYS, SESSION_*) and prints one line once it listens.
 */
import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { json } from "node:stream/consumers";
import pg from "pg";
import { loadConfig, openSigningKeys, planSignUp, signSessionToken, signUpStatement } from "@enroll/api";
import { createDatabase } from "@enroll/db";

// A sign-up that signs its user in at once, as the app's is measured (main.ts): verification off.
const config = loadConfig({ ...process.env, EMAIL_REQUIRE_VERIFICATION: "false" });
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });
// The app's keys, read once through the app's own key store; the pool serves the sign-ups.
const keyStore = createDatabase(config.databaseUrl!, { poolSize: 1 });
const keys = await openSigningKeys(keyStore, config.secrets.keys);
await keyStore.$disconnect();

const server = createServer(async (request, response) => {
  if (request.method !== "POST" || request.url !== "/users") {
    return send(response, 405, { code: 405, message: "Method Not Allowed" });
  }
  try {
    const { email } = (await json(request)) as { email: string };
    const userId = randomUUID();
    const address = email.toLowerCase();
    const requester = { requestId: randomUUID(), address: request.socket.remoteAddress ?? "", userAgent: request.headers["user-agent"] };
    const session = { id: randomUUID(), userAgent: requester.userAgent, ipAddress: requester.address };
    // The app's own plan of a sign-up (its statement builder), so the baseline cannot drift from it.
    const statement = signUpStatement(planSignUp(config, { userId, email: address, requester, session }));
    const [{ rows }, { token }] = await Promise.all([
      pool.query<{ email_id: string }>(statement.text, statement.values),
      signSessionToken(keys, config.session, { sessionId: session.id, userId, address }),
    ]);
    const created = rows[0];
    if (!created) return send(response, 409, { code: 409, message: "Conflict" });
    send(response, 200, { id: userId, user_id: userId, email_id: created.email_id }, { "Set-Cookie": `hanko=${token}` });
  } catch (error) {
    console.error(error);
    send(response, 500, { code: 500, message: "Internal Server Error" });
  }
});

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
}

server.listen(config.port, "127.0.0.1", () => console.log(`listening on ${config.port}`));

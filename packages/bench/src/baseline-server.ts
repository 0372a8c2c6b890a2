/**
 * The ceiling the app is measured against: a bare `node:http` server that does exactly the database
 * work of a sign-up (the service's own statement with its audit entry, one round trip, on a `pg` pool
 * of the app's size) and nothing else: no framework, no input validation, no request id header. It reads the same settings as
 * the app (DATABASE_URL, DATABASE_POOL_SIZE, PORT) and prints one line once it listens.
 */
import { randomUUID } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { json } from "node:stream/consumers";
import pg from "pg";
import { createUserStatement, loadConfig } from "@enroll/api";

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });

const server = createServer(async (request, response) => {
  if (request.method !== "POST" || request.url !== "/users") {
    return send(response, 405, { code: 405, message: "Method Not Allowed" });
  }
  try {
    const { email } = (await json(request)) as { email: string };
    const userId = randomUUID();
    const meta = { requestId: randomUUID(), sourceIp: request.socket.remoteAddress ?? "", userAgent: request.headers["user-agent"] ?? "" };
    const statement = createUserStatement(userId, email.toLowerCase(), meta);
    const { rows } = await pool.query<{ email_id: string }>(statement.text, statement.values);
    const created = rows[0];
    if (!created) return send(response, 409, { code: 409, message: "Conflict" });
    send(response, 200, { id: userId, user_id: userId, email_id: created.email_id });
  } catch (error) {
    console.error(error);
    send(response, 500, { code: 500, message: "Internal Server Error" });
  }
});

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

server.listen(config.port, "127.0.0.1", () => console.log(`listening on ${config.port}`));

/**
 * The ceiling the app is measured against: a bare `node:http` server that does exactly the work of
 * a sign-up that the app cannot do without, and nothing else:
 * - the app's own statement (its statement builder's plan, so the two cannot drift apart) on the
 *   app's tables: the user, its address, the session row, the audit entry and the expired-session
 *   delete, in one round trip on a `pg` pool of the app's size;
 * - the session token with the app's claims (its own signSessionToken), signed synchronously with
 *   `node:crypto` (a key of the same kind as the app's, made at start) while the statement runs;
 * - the body read as plain chunks, the answer written in one call.
 * No framework, no input validation, no request id, no cookie options, no rate limit. It runs on
 * plain Node (type stripping, no loader), reads the app's settings (DATABASE_URL,
 * DATABASE_POOL_SIZE, PORT, SESSION_*), serves its public key at `GET /jwks` for the bench's own
 * test, and prints one line once it listens.
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import pg from "pg";
import { loadConfig, planSignUp, signSessionToken, signUpStatement, type SigningKeys } from "@enroll/api";
import type { SigningAlgorithm } from "@enroll/api/config";

// A sign-up that signs its user in at once, as the app's is measured (main.ts): verification off.
const config = loadConfig({ ...process.env, EMAIL_REQUIRE_VERIFICATION: "false" });
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });
const signer = makeSigner(config.session.signingAlgorithm);

const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/jwks") return send(response, 200, { keys: [signer.publicJwk] });
  if (request.method !== "POST" || request.url !== "/users") return send(response, 405, { code: 405, message: "Method Not Allowed" });
  readBody(request).then(
    (body) => signUp(request, response, body),
    () => send(response, 400, { code: 400, message: "Bad Request" }),
  );
});

async function signUp(request: IncomingMessage, response: ServerResponse, body: string): Promise<void> {
  try {
    const address = (JSON.parse(body) as { email: string }).email.toLowerCase();
    const userId = randomUUID();
    const requester = { requestId: randomUUID(), address: request.socket.remoteAddress ?? "", userAgent: request.headers["user-agent"] };
    const session = { id: randomUUID(), userAgent: requester.userAgent, ipAddress: requester.address };
    const statement = signUpStatement(planSignUp(config, { userId, email: address, requester, session }));
    const created = pool.query<{ email_id: string }>(statement.text, statement.values);
    // Signed while the statement is on its way to PostgreSQL and back, with the app's own claims.
    const { token } = signSessionToken(signer, config.session, { sessionId: session.id, userId, address });
    const [row] = (await created).rows;
    if (!row) return send(response, 409, { code: 409, message: "Conflict" });
    send(response, 200, { id: userId, user_id: userId, email_id: row.email_id }, { "Set-Cookie": `hanko=${token}` });
  } catch (error) {
    console.error(error);
    send(response, 500, { code: 500, message: "Internal Server Error" });
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** JWSs with the app's header, signed with `node:crypto` on this thread: the least a token can cost. */
function makeSigner(algorithm: SigningAlgorithm): Pick<SigningKeys, "sign"> & { publicJwk: object } {
  const { privateKey, publicKey } = keyPairFor(algorithm);
  const kid = randomUUID();
  const header = Buffer.from(JSON.stringify({ alg: algorithm, kid, typ: "JWT" })).toString("base64url");
  const key: KeyObject | { key: KeyObject; dsaEncoding: "ieee-p1363" } =
    algorithm === "ES256" ? { key: privateKey, dsaEncoding: "ieee-p1363" } : privateKey;
  const digest = algorithm === "EdDSA" ? null : "sha256";
  return {
    sign(claims, { expiresInSeconds }) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(JSON.stringify({ ...claims, iat: issuedAt, exp: issuedAt + expiresInSeconds })).toString("base64url");
      const input = `${header}.${payload}`;
      return `${input}.${sign(digest, Buffer.from(input), key).toString("base64url")}`;
    },
    publicJwk: { ...publicKey.export({ format: "jwk" }), alg: algorithm, kid, use: "sig" },
  };
}

function keyPairFor(algorithm: SigningAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (algorithm) {
    case "RS256":
      return generateKeyPairSync("rsa", { modulusLength: 2048 });
    case "ES256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" });
    case "EdDSA":
      return generateKeyPairSync("ed25519");
  }
}

server.listen(config.port, "127.0.0.1", () => console.log(`listening on ${config.port}`));

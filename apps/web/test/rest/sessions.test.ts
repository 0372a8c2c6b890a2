import { randomUUID } from "node:crypto";
import { createLocalJWKSet, decodeJwt, generateKeyPair, importJWK, jwtVerify, SignJWT, UnsecuredJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, error, postUser, send, type Answer } from "../support/rest.ts";

/**
 * Two instances on one database: `app` as configured by default, `headerApp` with the token in
 * `X-Auth-Token` instead of the cookie. A session started on one is known to the other.
 */
let app: RunningApp;
let headerApp: RunningApp;
let db: Database;

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  // Started at once on the empty database, as instances behind a balancer are.
  [app, headerApp] = await Promise.all([
    startApp(databaseUrl),
    startApp(databaseUrl, { SESSION_ENABLE_AUTH_TOKEN_HEADER: "true" }),
  ]);
});
afterAll(async () => {
  await db?.$disconnect();
  await Promise.all([app?.stop(), headerApp?.stop()]);
});

const address = () => `${randomUUID()}@example.com`;

/** The `Set-Cookie` of an answer by cookie name: the whole header line. */
function setCookies(answer: Answer): Record<string, string> {
  return Object.fromEntries(answer.headers.getSetCookie().map((line) => [line.split("=", 1)[0]!, line]));
}

function sessionTokenOf(answer: Answer): string {
  const cookie = setCookies(answer).hanko;
  expect(cookie, "the hanko cookie").toBeDefined();
  return /^hanko=([^;]+)/.exec(cookie!)![1]!;
}

/** Signs up a new address through `POST /users` and returns the answer, its ids and its session token. */
async function signUp(headers: Record<string, string> = {}) {
  const email = address();
  const answer = await postUser(app.url, { email }, headers);
  expect(answer.status).toBe(200);
  const { user_id: userId, email_id: emailId } = answer.body as { user_id: string; email_id: string };
  return { email, answer, userId, emailId, token: sessionTokenOf(answer) };
}

const withCookie = (token: string) => ({ headers: { Cookie: `hanko=${token}` } });
const withBearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/** A token signed with the app's own key (read from the `jwks` table, unencrypted without SECRETS_KEYS). */
async function signedWithAppKey(claims: Record<string, unknown>, expiresAt: number): Promise<string> {
  const privateJwk = JSON.parse((await db.jwk.findFirstOrThrow()).keyData) as JWK;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: privateJwk.kid })
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(await importJWK(privateJwk, "RS256"));
}

describe("a sign-up through POST /users", () => {
  it("starts a session: its row, written with the user, and the hanko cookie as the reference sets it", async () => {
    const { answer, userId, emailId, email, token } = await signUp({ "User-Agent": "sessions-test/1.0" });

    expect(setCookies(answer).hanko).toMatch(/^hanko=[^;]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect(setCookies(answer).hanko_email_id).toBe(`hanko_email_id=${emailId}; Path=/; HttpOnly; Secure; SameSite=None`);
    expect(answer.headers.get("x-session-lifetime")).toBe("43200");
    expect(answer.headers.get("x-auth-token")).toBeNull();

    const claims = decodeJwt(token);
    expect(claims).toEqual({
      sub: userId,
      aud: ["localhost"],
      session_id: expect.any(String),
      email: { address: email, is_primary: true, is_verified: false },
      iat: expect.any(Number),
      exp: claims.iat! + 43_200,
    });
    const session = await db.session.findUniqueOrThrow({ where: { id: claims.session_id as string } });
    expect(session).toMatchObject({ userId, userAgent: "sessions-test/1.0", ipAddress: expect.stringMatching(/127\.0\.0\.1$/) });
    expect(Math.abs(session.expiresAt.getTime() / 1000 - claims.exp!)).toBeLessThan(5);
  });

  it("starts no session when the address is taken", async () => {
    const { email } = await signUp();
    const sessionsBefore = await db.session.count();

    const answer = await postUser(app.url, { email });

    expect(answer.status).toBe(409);
    expect(answer.headers.getSetCookie()).toEqual([]);
    expect(answer.headers.get("x-session-lifetime")).toBeNull();
    expect(await db.session.count()).toBe(sessionsBefore);
  });

  it("with SESSION_ENABLE_AUTH_TOKEN_HEADER=true, gives the token in X-Auth-Token instead of the cookie", async () => {
    const answer = await postUser(headerApp.url, { email: address() });

    expect(answer.status).toBe(200);
    expect(Object.keys(setCookies(answer))).toEqual(["hanko_email_id"]);
    expect(answer.headers.get("x-session-lifetime")).toBe("43200");
    const token = answer.headers.get("x-auth-token")!;
    expect((await send(headerApp.url, "/me", withBearer(token))).body).toEqual({ id: (answer.body as { id: string }).id });
  });
});

describe("GET /me", () => {
  it("names the user of the session, from the cookie or a bearer token, on any instance", async () => {
    const { userId, token } = await signUp();

    for (const [url, init] of [
      [app.url, withCookie(token)],
      [app.url, withBearer(token)],
      [headerApp.url, withBearer(token)],
    ] as const) {
      const answer = await send(url, "/me", init);
      expect([answer.status, answer.body]).toEqual([200, { id: userId }]);
    }
  });

  it("answers 401 to a missing, malformed, forged, unsigned, HMAC, expired or other-audience token", async () => {
    const { userId, token } = await signUp();
    const { session_id: sessionId } = decodeJwt(token);
    const claims = { sub: userId, aud: ["localhost"], session_id: sessionId };
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const appKey = JSON.parse((await db.jwk.findFirstOrThrow()).keyData) as JWK;
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: appKey.kid })
      .setExpirationTime(inAnHour)
      .sign((await generateKeyPair("RS256")).privateKey);
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: appKey.kid })
      .setExpirationTime(inAnHour)
      .sign(new TextEncoder().encode(appKey.n));
    const unsigned = new UnsecuredJWT(claims).setExpirationTime(inAnHour).encode();
    const expired = await signedWithAppKey(claims, Math.floor(Date.now() / 1000) - 60);
    const otherAudience = await signedWithAppKey({ ...claims, aud: ["elsewhere"] }, inAnHour);
    const otherSession = await signedWithAppKey({ ...claims, session_id: randomUUID() }, inAnHour);
    const notAUuid = await signedWithAppKey({ ...claims, session_id: "1; DROP TABLE sessions" }, inAnHour);

    const asked = [
      {},
      withBearer("not-a-jwt"),
      withCookie("not.a.jwt"),
      { headers: { Authorization: token } },
      ...[forged, hmac, unsigned, expired, otherAudience, otherSession, notAUuid].map(withBearer),
    ];
    for (const init of asked) {
      const answer = await send(app.url, "/me", init);
      expect([answer.status, answer.body], JSON.stringify(init)).toEqual([401, error(401, "Unauthorized")]);
    }
    // The same claims signed with the app's key, unexpired, for our audience, are accepted.
    expect((await send(app.url, "/me", withBearer(await signedWithAppKey(claims, inAnHour)))).status).toBe(200);
  });
});

describe("GET /users/{id}", () => {
  it("shows the signed-in user their own record", async () => {
    const { userId, email, token } = await signUp();

    const answer = await send(app.url, `/users/${userId}`, withCookie(token));

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: userId,
      email,
      webauthn_credentials: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it("forbids any other id, existing or not, and asks for a session first", async () => {
    const { token } = await signUp();
    const other = await signUp();

    for (const id of [other.userId, randomUUID(), "not-a-uuid"]) {
      const answer = await send(app.url, `/users/${id}`, withCookie(token));
      expect([answer.status, answer.body]).toEqual([403, error(403, "Forbidden")]);
    }
    const anonymous = await send(app.url, `/users/${other.userId}`);
    expect([anonymous.status, anonymous.body]).toEqual([401, error(401, "Unauthorized")]);
  });
});

describe("POST /logout", () => {
  it("ends the session on every instance and clears the cookie", async () => {
    const { token } = await signUp();
    const sessionId = decodeJwt(token).session_id as string;

    const answer = await send(app.url, "/logout", { method: "POST", ...withCookie(token) });

    expect(answer.status).toBe(204);
    expect(setCookies(answer).hanko).toBe("hanko=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict");
    expect(await db.session.findUnique({ where: { id: sessionId } })).toBeNull();
    for (const url of [app.url, headerApp.url]) expect((await send(url, "/me", withBearer(token))).status).toBe(401);
    expect((await send(app.url, "/logout", { method: "POST", ...withCookie(token) })).status).toBe(401);
  });
});

describe("instances started together on an empty database", () => {
  it("made one signing key between them, and publish the same JWKS", async () => {
    expect(await db.jwk.count()).toBe(1);
    const [ours, theirs] = await Promise.all([send(app.url, "/.well-known/jwks.json"), send(headerApp.url, "/.well-known/jwks.json")]);
    expect(theirs.body).toEqual(ours.body);
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public key that verifies session tokens, and nothing private, cacheable for ten minutes", async () => {
    const { token, userId } = await signUp();

    const answer = await send(app.url, "/.well-known/jwks.json");

    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("max-age=600");
    const { keys } = answer.body as { keys: JWK[] };
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0]!).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys }), { algorithms: ["RS256"], audience: "localhost" });
    expect(payload.sub).toBe(userId);
  });
});

describe("the tRPC door", () => {
  it("users.create signs in as POST /users does; auth.me and auth.logout use that session", async () => {
    const email = address();
    const created = await callMutation(app.url, "users.create", { email });
    expect(created.status).toBe(200);
    const token = sessionTokenOf(created);
    expect(created.headers.get("x-session-lifetime")).toBe("43200");
    const { user_id: userId } = (created.body as { result: { data: { user_id: string } } }).result.data;

    const me = await send(app.url, "/api/trpc/auth.me", withCookie(token));
    expect(me.body).toEqual({ result: { data: { id: userId, email } } });

    const loggedOut = await callMutation(app.url, "auth.logout", {}, withCookie(token).headers);
    expect(loggedOut.status).toBe(200);
    expect(setCookies(loggedOut).hanko).toMatch(/^hanko=; Max-Age=0;/);

    const after = await send(app.url, "/api/trpc/auth.me", withCookie(token));
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: { message: "Unauthorized", data: { code: "UNAUTHORIZED", httpStatus: 401 } } });
  });
});

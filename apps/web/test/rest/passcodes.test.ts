import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { passcodeIn, startSmtpServer, type SmtpTestServer } from "@enroll/api/testing/smtp-server";
import { until } from "@enroll/api/testing/until";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase, freePort } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, error, postUser, send, type Answer } from "../support/rest.ts";

/**
 * The passcode routes against the built app, its emails sent to a real SMTP server on loopback:
 * `app` with verification required and the token in the cookie; `limitedApp` with the token in
 * `X-Auth-Token` and the limits on (each test its own client, through the trusted 127.0.0.1).
 */
let smtp: SmtpTestServer;
let app: RunningApp;
let limitedApp: RunningApp;
let db: Database;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  smtp = await startSmtpServer();
  const settings = { ...smtp.settings, EMAIL_REQUIRE_VERIFICATION: "true" };
  [app, limitedApp] = await Promise.all([
    startApp(databaseUrl, settings),
    startApp(databaseUrl, {
      ...settings,
      SESSION_ENABLE_AUTH_TOKEN_HEADER: "true",
      RATE_LIMITER_ENABLED: "true",
      RATE_LIMITER_SIGNUP_LIMIT: "3",
      SERVER_TRUSTED_PROXIES: "127.0.0.1,::1",
    }),
  ]);
});
afterAll(async () => {
  await db?.$disconnect();
  await Promise.all([app?.stop(), limitedApp?.stop()]);
  await smtp?.close();
});

const address = () => `${randomUUID()}@example.com`;

let client = 0;
const newClient = () => ({ "X-Forwarded-For": `203.0.113.${(client += 1)}` });

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(url, path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });

/** A sign-up that waits to be verified: its ids. */
async function signUp(email = address(), url = app.url): Promise<{ email: string; user_id: string; email_id: string }> {
  const answer = await postUser(url, { email });
  expect(answer.status).toBe(200);
  return { email, ...(answer.body as { user_id: string; email_id: string }) };
}

/** Sends a passcode for `ids` and reads its code from the SMTP server (the `nth` email to that address). */
async function passcodeFor({ email, user_id, email_id }: { email: string; user_id: string; email_id?: string }, nth = 1, url = app.url) {
  const answer = await post(url, "/passcode/login/initialize", { user_id, email_id });
  expect(answer.status).toBe(200);
  return { id: (answer.body as { id: string }).id, code: passcodeIn(await smtp.waitForMail(email, nth)), answer };
}

const wrong = (code: string) => `${code.slice(0, 5)}${(Number(code[5]) + 1) % 10}`;

function sessionCookieOf(answer: Answer): string | undefined {
  const cookie = answer.headers.getSetCookie().find((line) => line.startsWith("hanko="));
  return cookie && /^hanko=([^;]+)/.exec(cookie)![1];
}

describe("GET /.well-known/config", () => {
  it("tells Hanko's elements what the service does", async () => {
    const answer = await send(app.url, "/.well-known/config");

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      password: { enabled: false, min_password_length: 8 },
      emails: { require_verification: true, max_num_of_addresses: 1 },
      providers: [],
      account: { allow_deletion: false, allow_signup: true },
      use_enterprise: false,
    });
  });
});

describe("POST /user", () => {
  it("answers who owns a verified address, in any letter case; 404 for an address only reserved, or unknown", async () => {
    const user = await signUp();
    const { id, code } = await passcodeFor(user);
    expect((await post(app.url, "/passcode/login/finalize", { id, code })).status).toBe(200);

    const found = await post(app.url, "/user", { email: user.email.toUpperCase() });
    const reserved = await post(app.url, "/user", { email: (await signUp()).email });
    const unknown = await post(app.url, "/user", { email: address() });
    const invalid = await post(app.url, "/user", { email: "user@localhost" });

    expect(found).toMatchObject({ status: 200, body: { id: user.user_id, email_id: user.email_id, verified: true, has_webauthn_credential: false } });
    expect(reserved).toMatchObject({ status: 404, body: error(404, "Not Found") });
    expect(unknown).toMatchObject({ status: 404, body: error(404, "Not Found") });
    expect(invalid).toMatchObject({ status: 400, body: error(400, "email must be a valid email address") });
  });

  it("counts against the sign-up limit per client, with POST /users", async () => {
    const headers = newClient();
    const statuses = [
      (await postUser(limitedApp.url, { email: address() }, headers)).status,
      (await post(limitedApp.url, "/user", { email: address() }, headers)).status,
      (await post(limitedApp.url, "/user", { email: address() }, headers)).status,
    ];

    const refused = await post(limitedApp.url, "/user", { email: address() }, headers);

    expect(statuses).toEqual([200, 404, 404]);
    expect(refused).toMatchObject({ status: 429, body: error(429, "Too Many Requests") });
    expect(refused.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
  });
});

describe("POST /passcode/login/initialize", () => {
  it("sends a passcode to the address a sign-up reserved and answers its id, lifetime and time of making", async () => {
    const user = await signUp();

    const { answer, code } = await passcodeFor(user);

    expect(answer.body).toEqual({ id: expect.any(String), ttl: 300, created_at: expect.any(String) });
    expect(Math.abs(Date.parse((answer.body as { created_at: string }).created_at) - Date.now())).toBeLessThan(10_000);
    expect(code).toMatch(/^\d{6}$/);
  });

  it("writes the email in German when the request prefers it", async () => {
    const user = await signUp();

    await post(app.url, "/passcode/login/initialize", user, { "Accept-Language": "de-DE,de;q=0.9,en;q=0.8" });

    expect((await smtp.waitForMail(user.email)).subject).toMatch(/^\d{6} ist Ihr Passcode für Enroll$/);
  });

  it("refuses with 400 a body that names no user, an address that is not the user's, or no address at all", async () => {
    const user = await signUp();
    const other = await signUp();
    const nobody = randomUUID();

    const answers = await Promise.all([
      post(app.url, "/passcode/login/initialize", { user_id: nobody }),
      post(app.url, "/passcode/login/initialize", { user_id: user.user_id, email_id: nobody }),
      post(app.url, "/passcode/login/initialize", { user_id: user.user_id }),
      post(app.url, "/passcode/login/initialize", {}),
      post(app.url, "/passcode/login/initialize", { user_id: "42" }),
      post(app.url, "/passcode/login/initialize", { user_id: user.user_id, email_id: 7 }),
    ]);
    const finalized = await passcodeFor(other);
    await post(app.url, "/passcode/login/finalize", { id: finalized.id, code: finalized.code });
    const theirs = await post(app.url, "/passcode/login/initialize", { user_id: user.user_id, email_id: other.email_id });

    expect([...answers, theirs].map(({ status, body }) => ({ status, body }))).toEqual([
      { status: 400, body: error(400, "user_id names no user") },
      { status: 400, body: error(400, "email_id names no address") },
      { status: 400, body: error(400, "the user has no address of its own yet: send the email_id of the one it signed up with") },
      { status: 400, body: error(400, "user_id is a required field") },
      { status: 400, body: error(400, "user_id must be a valid UUID") },
      { status: 400, body: error(400, "email_id must be a string") },
      { status: 400, body: error(400, "email_id names an address that belongs to another user") },
    ]);
    expect(await db.passcode.count({ where: { userId: user.user_id } })).toBe(0);
  });

  it("sends a user three passcodes a minute, then answers 429 with Retry-After and sends none", async () => {
    const user = await signUp(address(), limitedApp.url);
    for (let sent = 1; sent <= 3; sent++) {
      const answer = await post(limitedApp.url, "/passcode/login/initialize", user);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-ratelimit-remaining")).toBe(String(3 - sent));
    }

    const refused = await post(limitedApp.url, "/passcode/login/initialize", user);

    expect(refused).toMatchObject({ status: 429, body: error(429, "Too Many Requests") });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await db.passcode.count({ where: { userId: user.user_id } })).toBe(3);
  });
});

describe("POST /passcode/login/finalize", () => {
  it("signs in with the session cookie, verifies the address and makes it the user's own; GET /me accepts the session", async () => {
    const user = await signUp();
    const { id, code } = await passcodeFor(user);

    const answer = await post(app.url, "/passcode/login/finalize", { id, code });

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id, ttl: 300, created_at: expect.any(String) });
    expect(answer.headers.get("x-session-lifetime")).toBe("43200");
    const token = sessionCookieOf(answer)!;
    expect(decodeJwt(token)).toMatchObject({ sub: user.user_id, email: { address: user.email, is_verified: true } });
    const me = await send(app.url, "/me", { headers: { Cookie: `hanko=${token}` } });
    expect(me).toMatchObject({ status: 200, body: { id: user.user_id } });
    const mine = await send(app.url, `/users/${user.user_id}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(mine.body).toMatchObject({ id: user.user_id, email: user.email, webauthn_credentials: [] });
    expect(await db.email.findUniqueOrThrow({ where: { id: user.email_id } })).toMatchObject({ userId: user.user_id, verified: true });
  });

  it("gives the token in X-Auth-Token with SESSION_ENABLE_AUTH_TOKEN_HEADER, and signs a returning user in again", async () => {
    const user = await signUp(address(), limitedApp.url);
    const first = await passcodeFor(user, 1, limitedApp.url);
    await post(limitedApp.url, "/passcode/login/finalize", { id: first.id, code: first.code });
    const again = await passcodeFor({ email: user.email, user_id: user.user_id }, 2, limitedApp.url);

    const answer = await post(limitedApp.url, "/passcode/login/finalize", { id: again.id, code: again.code });

    expect(answer.status).toBe(200);
    expect(answer.headers.getSetCookie()).toEqual([]);
    const token = answer.headers.get("x-auth-token")!;
    expect((await send(limitedApp.url, "/me", { headers: { Authorization: `Bearer ${token}` } })).body).toEqual({ id: user.user_id });
  });

  it("answers a wrong code 401, the third 410, and then the passcode is gone (401) even with the right code", async () => {
    const user = await signUp();
    const { id, code } = await passcodeFor(user);

    const answers = [];
    for (let attempt = 1; attempt <= 3; attempt++) answers.push(await post(app.url, "/passcode/login/finalize", { id, code: wrong(code) }));
    const afterwards = await post(app.url, "/passcode/login/finalize", { id, code });

    expect([...answers, afterwards].map(({ status, body }) => ({ status, body }))).toEqual([
      { status: 401, body: error(401, "passcode is incorrect") },
      { status: 401, body: error(401, "passcode is incorrect") },
      { status: 410, body: error(410, "passcode was tried too many times and no longer works; request a new one") },
      { status: 401, body: error(401, "passcode not found") },
    ]);
    expect(afterwards.headers.getSetCookie()).toEqual([]);
  });

  it("answers 408 for a passcode past its lifetime", async () => {
    const user = await signUp();
    const { id, code } = await passcodeFor(user);
    await db.$executeRaw`UPDATE passcodes SET created_at = created_at - interval '5 minutes 1 second' WHERE id = ${id}::uuid`;

    const answer = await post(app.url, "/passcode/login/finalize", { id, code });

    expect(answer).toMatchObject({ status: 408, body: error(408, "passcode has expired; request a new one") });
    expect(await db.session.count({ where: { userId: user.user_id } })).toBe(0);
  });

  it("refuses bodies that are not a passcode's, as every route reads bodies", async () => {
    const answers = await Promise.all([
      post(app.url, "/passcode/login/finalize", { id: randomUUID(), code: "12 456" }),
      post(app.url, "/passcode/login/finalize", { code: "123456" }),
      post(app.url, "/passcode/login/finalize", { id: "x", code: "123456" }),
      send(app.url, "/passcode/login/finalize", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" }),
      send(app.url, "/passcode/login/finalize", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" }),
      send(app.url, "/passcode/login/finalize", { method: "GET" }),
    ]);

    expect(answers.map(({ status, body }) => ({ status, body }))).toEqual([
      { status: 400, body: error(400, "code must be the 6 digits of the passcode") },
      { status: 400, body: error(400, "id is a required field") },
      { status: 400, body: error(400, "id must be a valid UUID") },
      { status: 415, body: error(415, "Unsupported Media Type") },
      { status: 400, body: error(400, "request body must be valid JSON") },
      { status: 405, body: error(405, "Method Not Allowed") },
    ]);
  });
});

describe("the tRPC procedures", () => {
  it("send and check a passcode with the same rules, and set the session's headers as POST /passcode/login/finalize does", async () => {
    const user = await signUp();
    const initialized = await callMutation(app.url, "passcode.initialize", { user_id: user.user_id, email_id: user.email_id });
    const { id } = (initialized.body as { result: { data: { id: string } } }).result.data;
    const code = passcodeIn(await smtp.waitForMail(user.email));

    const refused = await callMutation(app.url, "passcode.finalize", { id, code: wrong(code) });
    const finalized = await callMutation(app.url, "passcode.finalize", { id, code });
    const lookedUp = await callMutation(app.url, "users.lookup", { email: user.email });

    expect(refused).toMatchObject({ status: 401, body: { error: { message: "passcode is incorrect", data: { code: "UNAUTHORIZED" } } } });
    expect(finalized).toMatchObject({ status: 200, body: { result: { data: { id, ttl: 300 } } } });
    expect(finalized.headers.get("x-session-lifetime")).toBe("43200");
    expect(decodeJwt(sessionCookieOf(finalized)!).sub).toBe(user.user_id);
    expect(lookedUp).toMatchObject({ status: 200, body: { result: { data: { id: user.user_id, verified: true } } } });
  });
});

describe("the email outbox", () => {
  it("sends over TLS, upgraded with STARTTLS, where the SMTP server offers it", async () => {
    // A certificate for 127.0.0.1 that the app trusts (NODE_EXTRA_CA_CERTS), made with Debian's openssl.
    const folder = await mkdtemp(path.join(tmpdir(), "enroll-smtp-tls-"));
    const [key, cert] = [path.join(folder, "key.pem"), path.join(folder, "cert.pem")];
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const secured = await startSmtpServer({ tls: { key: await readFile(key, "utf8"), cert: await readFile(cert, "utf8") } });
    // A database of its own: the other apps of this file would otherwise send the email themselves.
    const tlsApp = await startApp(await createEmptyDatabase(inject("postgresUrl")), { ...secured.settings, EMAIL_REQUIRE_VERIFICATION: "true", NODE_EXTRA_CA_CERTS: cert });
    try {
      const user = await signUp(address(), tlsApp.url);
      expect((await post(tlsApp.url, "/passcode/login/initialize", user)).status).toBe(200);

      const received = await secured.waitForMail(user.email);

      expect(received.secure).toBe(true);
      expect(passcodeIn(received)).toMatch(/^\d{6}$/);
    } finally {
      await tlsApp.stop();
      await secured.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("loses no email when the app is killed after the passcode committed and before its email was sent", async () => {
    // A database of its own: the other apps of this file would otherwise send the email themselves.
    const ownDatabaseUrl = await createEmptyDatabase(inject("postgresUrl"));
    const ownDb = createDatabase(ownDatabaseUrl, { poolSize: 1 });
    const port = await freePort();
    // Nothing listens on `port` yet: every attempt to send fails, and the email waits in the outbox.
    const settings = { ...smtp.settings, EMAIL_DELIVERY_SMTP_PORT: String(port), EMAIL_REQUIRE_VERIFICATION: "true" };
    const doomed = await startApp(ownDatabaseUrl, settings);
    const user = await signUp(address(), doomed.url);
    const initialized = await post(doomed.url, "/passcode/login/initialize", user);
    expect(initialized.status).toBe(200);
    await until(async () => (await ownDb.emailDelivery.findFirst({ where: { toAddress: user.email } }))?.lastError != null);

    process.kill(doomed.pid, "SIGKILL");
    await doomed.exited;
    const revived = await startSmtpServer({ port });
    const restarted = await startApp(ownDatabaseUrl, settings);
    try {
      const code = passcodeIn(await revived.waitForMail(user.email));
      const finalized = await post(restarted.url, "/passcode/login/finalize", { id: (initialized.body as { id: string }).id, code });
      expect(finalized.status).toBe(200);
      expect(await ownDb.emailDelivery.count()).toBe(0);
    } finally {
      await restarted.stop();
      await revived.close();
      await ownDb.$disconnect();
    }
  });
});

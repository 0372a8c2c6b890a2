import { TRPCError } from "@trpc/server";
import bcrypt from "bcryptjs";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { startEmailWorker, type EmailWorker } from "../src/email/worker.ts";
import { loadConfig } from "../src/config/index.ts";
import { openRateLimiters } from "../src/limits/rate-limit.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { startWebhookWorker } from "../src/webhooks/worker.ts";
import { callerAt, requestContext, signUpAt, type TestRequest } from "./support/request.ts";
import { passcodeIn, startSmtpServer, type SmtpTestServer } from "./support/smtp-server.ts";
import { until } from "./support/until.ts";
import { startWebhookReceiver } from "./support/webhook-receiver.ts";

let db: Database;
let keys: SigningKeys;
let smtp: SmtpTestServer;
let mail: EmailWorker;

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  [keys, smtp] = await Promise.all([openSigningKeys(db, []), startSmtpServer()]);
  mail = startEmailWorker({ db, smtp: loadConfig(smtp.settings).emailDelivery.smtp!, from: { address: "passcodes@enroll.test", name: "Enroll" } });
});
afterAll(async () => {
  await mail?.stop();
  await smtp?.close();
  await db?.$disconnect();
});

const stops: (() => Promise<unknown>)[] = [];
afterEach(() => Promise.all(stops.splice(0).map((stop) => stop())));

/** Verification required, emails sent through the test's SMTP server. */
const verifying = { EMAIL_REQUIRE_VERIFICATION: "true" };

/** One request to the procedures under `settings`, with `headers`, whose emails the worker is woken for. */
function request(settings: Record<string, string> = {}, headers: Record<string, string> = {}, requestId = "passcode-test"): TestRequest {
  const context = requestContext({ db, keys }, { settings: { ...verifying, ...smtp.settings, ...settings }, headers, requestId });
  context.services.mail = mail;
  return context;
}

/** A sign-up that waits to be verified: a new user, and the address it reserved. */
const signUp = (email: string, settings: Record<string, string> = {}) => signUpAt(request(settings), { email });

const initialize = (input: { user_id: string; email_id?: string }, at: TestRequest = request()) => callerAt(at).passcode.initialize(input);
const finalize = (input: { id: string; code: string }, at: TestRequest = request()) => callerAt(at).passcode.finalize(input);

/** Sends `email` a passcode for its sign-up and reads the code from the SMTP server. */
async function passcodeFor(email: string, ids: { user_id: string; email_id?: string }, nth = 1) {
  const passcode = await initialize(ids);
  return { ...passcode, code: passcodeIn(await smtp.waitForMail(email, nth)) };
}

/** The failure a procedure threw: its tRPC code, status and sentence. */
async function failureOf(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof TRPCError)) throw new Error(`Expected a TRPCError, got ${String(error)}`);
  return { code: error.code, status: (error.cause as { status?: number } | undefined)?.status, message: error.message };
}

/** A wrong code for `code`: the same digits, the last one changed. */
const wrong = (code: string) => `${code.slice(0, 5)}${(Number(code[5]) + 1) % 10}`;

describe("passcode.initialize", () => {
  it("sends six digits from the outbox by SMTP and stores only their bcrypt hash, which the outbox forgets once sent", async () => {
    const { user_id, email_id } = await signUp("first-code@example.com");

    const passcode = await initialize({ user_id, email_id });

    expect(passcode).toEqual({ id: expect.any(String), ttl: 300, created_at: expect.any(String) });
    const sent = await smtp.waitForMail("first-code@example.com");
    const code = passcodeIn(sent);
    expect(code).toMatch(/^\d{6}$/);
    expect(sent).toMatchObject({ from: "passcodes@enroll.test", subject: `${code} is your passcode for Enroll` });
    expect(sent.text).toBe(`Enter this passcode to confirm that it is you:\n\n${code}\n\nIt works for 5 minutes.\n`);
    expect(sent.html).toContain(`>${code}</p>`);
    const stored = await db.passcode.findUniqueOrThrow({ where: { id: passcode.id } });
    expect(stored).toMatchObject({ userId: user_id, emailId: email_id, ttl: 300, tryCount: 0 });
    expect(stored.code).not.toContain(code);
    expect(await bcrypt.compare(code, stored.code)).toBe(true);
    await until(async () => (await db.emailDelivery.count({ where: { toAddress: "first-code@example.com" } })) === 0);
  });

  it("writes the email in the language the request prefers among English and German, else English", async () => {
    const { user_id, email_id } = await signUp("sprachen@example.com");

    await initialize({ user_id, email_id }, request({}, { "accept-language": "fr-CH, de;q=0.8, en;q=0.5" }));
    await initialize({ user_id, email_id }, request({}, { "accept-language": "fr, ja;q=0.5" }));

    const german = await smtp.waitForMail("sprachen@example.com", 1);
    expect(german.subject).toBe(`${passcodeIn(german)} ist Ihr Passcode für Enroll`);
    expect(german.text).toContain("Er gilt 5 Minuten lang.");
    expect((await smtp.waitForMail("sprachen@example.com", 2)).subject).toMatch(/^\d{6} is your passcode for Enroll$/);
  });

  it("refuses a user_id that names no user (audited), an address of another user, an unknown address, and a user with no address of its own", async () => {
    const mine = await signUp("mine@example.com", { EMAIL_REQUIRE_VERIFICATION: "false" });
    const theirs = await signUp("theirs@example.com", { EMAIL_REQUIRE_VERIFICATION: "false" });
    const waiting = await signUp("waiting@example.com");
    const nobody = "5f0c3c9e-8a51-4a3e-9d43-6c2f1f0b7e21";

    expect(await failureOf(initialize({ user_id: nobody }, request({}, {}, "unknown-user")))).toEqual({
      code: "BAD_REQUEST",
      status: 400,
      message: "user_id names no user",
    });
    expect(await failureOf(initialize({ user_id: mine.user_id, email_id: theirs.email_id }))).toMatchObject({
      status: 400,
      message: "email_id names an address that belongs to another user",
    });
    expect(await failureOf(initialize({ user_id: mine.user_id, email_id: nobody }))).toMatchObject({ status: 400, message: "email_id names no address" });
    expect(await failureOf(initialize({ user_id: waiting.user_id }))).toMatchObject({
      status: 400,
      message: "the user has no address of its own yet: send the email_id of the one it signed up with",
    });
    expect(await failureOf(initialize({ user_id: "not-a-uuid" }))).toMatchObject({ code: "BAD_REQUEST", message: "user_id must be a valid UUID" });
    expect(await db.passcode.count({ where: { userId: { in: [mine.user_id, waiting.user_id] } } })).toBe(0);
    expect(await db.auditLog.findMany({ where: { metaHttpRequestId: "unknown-user" } })).toEqual([
      expect.objectContaining({ type: "passcode_login_init_failed", error: "unknown user", actorUserId: null }),
    ]);
  });

  it("sends one user at most three passcodes a minute, then refuses with TOO_MANY_REQUESTS and how long to wait, writing nothing", async () => {
    const limits = (await openRateLimiters(loadConfig({ RATE_LIMITER_ENABLED: "true" }).rateLimiter))!;
    stops.push(() => limits.close());
    const { user_id, email_id } = await signUp("limited@example.com");
    const limited = () => {
      const at = request();
      at.services.rateLimiter = limits;
      return at;
    };

    for (let sent = 1; sent <= 3; sent++) await initialize({ user_id, email_id }, limited());
    const refusal = limited();
    const refused = callerAt(refusal).passcode.initialize({ user_id, email_id });

    expect(await failureOf(refused)).toEqual({ code: "TOO_MANY_REQUESTS", status: 429, message: "Too Many Requests" });
    expect(await db.passcode.count({ where: { userId: user_id } })).toBe(3);
    // Another user has passcodes of its own to send.
    const other = await signUp("not-limited@example.com");
    await expect(initialize(other, limited())).resolves.toMatchObject({ ttl: 300 });
  });
});

describe("passcode.finalize", () => {
  it("verifies the address, makes it the user's primary one and signs in; the first time, user.create is written", async () => {
    const hooks = { WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: JSON.stringify([{ callback: "http://127.0.0.1:9/finalize", events: ["user"] }]) };
    const { user_id, email_id } = await signUp("verify-me@example.com", hooks);
    const { id, code } = await passcodeFor("verify-me@example.com", { user_id, email_id });
    const at = request({ ...hooks, SESSION_ENABLE_AUTH_TOKEN_HEADER: "true" }, { "user-agent": "finalize/1.0" }, "finalize-ok");

    const answer = await finalize({ id, code }, at);

    expect(answer).toMatchObject({ id, ttl: 300 });
    expect(await db.email.findUniqueOrThrow({ where: { id: email_id } })).toMatchObject({ userId: user_id, verified: true });
    expect(await db.primaryEmail.findUniqueOrThrow({ where: { userId: user_id } })).toMatchObject({ emailId: email_id });
    expect(await db.passcode.count({ where: { id } })).toBe(0);
    expect(at.responseHeaders["X-Session-Lifetime"]).toBe("43200");
    const claims = decodeJwt(at.responseHeaders["X-Auth-Token"] as string);
    expect(claims).toMatchObject({ sub: user_id, email: { address: "verify-me@example.com", is_primary: true, is_verified: true } });
    expect(await db.session.findUniqueOrThrow({ where: { id: claims.session_id as string } })).toMatchObject({ userId: user_id, userAgent: "finalize/1.0" });
    const [event] = await db.webhookDelivery.findMany({ where: { callback: "http://127.0.0.1:9/finalize" } });
    expect(event).toMatchObject({ event: "user.create", data: { id: user_id, emails: [expect.objectContaining({ id: email_id, is_verified: true, is_primary: true })] } });
    expect(await db.auditLog.findMany({ where: { metaHttpRequestId: "finalize-ok" } })).toEqual([
      expect.objectContaining({ type: "passcode_login_final_succeeded", error: null, actorUserId: user_id, actorEmail: "verify-me@example.com" }),
    ]);
  });

  it("signs a returning user in again with a passcode sent to its primary address, with no second user.create", async () => {
    const hooks = { WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: JSON.stringify([{ callback: "http://127.0.0.1:9/returning", events: ["user"] }]) };
    const { user_id, email_id } = await signUp("returning@example.com", hooks);
    await finalize(await passcodeFor("returning@example.com", { user_id, email_id }), request(hooks));

    const again = await passcodeFor("returning@example.com", { user_id }, 2);
    const at = request(hooks);
    await finalize(again, at);

    expect(at.responseHeaders["Set-Cookie"]).toEqual([expect.stringMatching(/^hanko=ey/)]);
    expect(await db.session.count({ where: { userId: user_id } })).toBe(2);
    expect(await db.webhookDelivery.count({ where: { callback: "http://127.0.0.1:9/returning" } })).toBe(1);
    expect(await db.user.findUniqueOrThrow({ where: { id: user_id }, include: { emails: true } })).toMatchObject({ emails: [{ id: email_id }] });
  });

  it("answers a wrong code UNAUTHORIZED twice, the third time the passcode is used up (410) and gone, each audited", async () => {
    const { user_id, email_id } = await signUp("wrong-codes@example.com");
    const { id, code } = await passcodeFor("wrong-codes@example.com", { user_id, email_id });

    const answers = [];
    for (let attempt = 1; attempt <= 3; attempt++) answers.push(await failureOf(finalize({ id, code: wrong(code) }, request({}, {}, `wrong-${id}`))));
    const afterwards = await failureOf(finalize({ id, code }, request({}, {}, `wrong-${id}`)));

    expect(answers).toEqual([
      { code: "UNAUTHORIZED", status: 401, message: "passcode is incorrect" },
      { code: "UNAUTHORIZED", status: 401, message: "passcode is incorrect" },
      { code: "NOT_FOUND", status: 410, message: "passcode was tried too many times and no longer works; request a new one" },
    ]);
    expect(afterwards).toEqual({ code: "UNAUTHORIZED", status: 401, message: "passcode not found" });
    expect(await db.passcode.count({ where: { id } })).toBe(0);
    expect(await db.email.findUniqueOrThrow({ where: { id: email_id } })).toMatchObject({ userId: null, verified: false });
    const entries = await db.auditLog.findMany({ where: { metaHttpRequestId: `wrong-${id}` }, orderBy: { createdAt: "asc" } });
    expect(entries.map(({ type, error, actorUserId }) => ({ type, error, actorUserId }))).toEqual([
      { type: "passcode_login_final_failed", error: "passcode invalid", actorUserId: user_id },
      { type: "passcode_login_final_failed", error: "passcode invalid", actorUserId: user_id },
      { type: "passcode_login_final_failed", error: "max attempts reached", actorUserId: user_id },
      { type: "passcode_login_final_failed", error: "unknown passcode", actorUserId: null },
    ]);
  });

  it("compares no more than three codes against a passcode, however many tries run at once", async () => {
    const { user_id, email_id } = await signUp("parallel-tries@example.com");
    const { id, code } = await passcodeFor("parallel-tries@example.com", { user_id, email_id });
    // The pool's connections open first, as a running server's are: on a loaded machine, eight at
    // once can take longer than the connect timeout, which is an outage (503), not what this tests.
    await Promise.all(Array.from({ length: 8 }, () => db.$queryRaw`SELECT 1 AS warm FROM pg_sleep(0.05)`));

    const answers = await Promise.all(Array.from({ length: 8 }, () => failureOf(finalize({ id, code: wrong(code) }))));

    const incorrect = answers.filter(({ message }) => message === "passcode is incorrect");
    expect(incorrect).toHaveLength(2);
    expect(answers.map(({ status }) => status).filter((status) => status !== 410 && status !== 401)).toEqual([]);
    expect(await failureOf(finalize({ id, code }))).toMatchObject({ status: 401, message: "passcode not found" });
  });

  it("answers TIMEOUT (408) for a passcode past its lifetime, and signs no one in", async () => {
    const { user_id, email_id } = await signUp("too-late@example.com");
    const { id, code } = await passcodeFor("too-late@example.com", { user_id, email_id });
    await db.$executeRaw`UPDATE passcodes SET created_at = created_at - interval '301 seconds' WHERE id = ${id}::uuid`;

    expect(await failureOf(finalize({ id, code }))).toEqual({ code: "TIMEOUT", status: 408, message: "passcode has expired; request a new one" });
    expect(await db.session.count({ where: { userId: user_id } })).toBe(0);
  });

  it("gives an address two sign-ups wait to verify to the first who does; the other is refused", async () => {
    const first = await signUp("contested@example.com");
    const second = await signUp("contested@example.com");
    expect(second.email_id).toBe(first.email_id);
    const firstCode = await passcodeFor("contested@example.com", first, 1);
    const secondCode = await passcodeFor("contested@example.com", second, 2);

    await finalize(firstCode);

    expect(await failureOf(finalize(secondCode))).toEqual({ code: "FORBIDDEN", status: 403, message: "this address belongs to another user" });
    expect(await failureOf(initialize(second))).toMatchObject({ status: 400, message: "email_id names an address that belongs to another user" });
    expect(await db.email.findUniqueOrThrow({ where: { id: first.email_id } })).toMatchObject({ userId: first.user_id });
  });

  it("refuses a code that is not six digits, before any try is taken", async () => {
    const { user_id, email_id } = await signUp("six-digits@example.com");
    const { id } = await passcodeFor("six-digits@example.com", { user_id, email_id });

    expect(await failureOf(finalize({ id, code: "12345" }))).toMatchObject({ code: "BAD_REQUEST", message: "code must be the 6 digits of the passcode" });
    expect(await db.passcode.findUniqueOrThrow({ where: { id } })).toMatchObject({ tryCount: 0 });
  });
});

describe("the email outbox", () => {
  it("keeps a message the server refuses and sends it once the server accepts, while its passcode works", async () => {
    const { user_id, email_id } = await signUp("refused-first@example.com");
    smtp.refuse();
    try {
      await initialize({ user_id, email_id });
      await until(async () => (await db.emailDelivery.findFirst({ where: { toAddress: "refused-first@example.com" } }))?.lastError != null);
    } finally {
      smtp.accept();
    }

    const stored = await db.emailDelivery.findFirstOrThrow({ where: { toAddress: "refused-first@example.com" } });
    expect(stored.lastError).toMatch(/451/);
    await smtp.waitForMail("refused-first@example.com");
    await until(async () => (await db.emailDelivery.count({ where: { toAddress: "refused-first@example.com" } })) === 0);
  });

  it("gives a message up, and deletes it, once its passcode has expired", async () => {
    const { user_id, email_id } = await signUp("never-sent@example.com");
    smtp.refuse();
    try {
      await initialize({ user_id, email_id }, request({ EMAIL_PASSCODE_TTL: "2" }));
      await until(async () => (await db.emailDelivery.count({ where: { toAddress: "never-sent@example.com" } })) === 0, 10_000);
    } finally {
      smtp.accept();
    }

    expect(smtp.received.filter(({ to }) => to.includes("never-sent@example.com"))).toEqual([]);
  });

  it("holds what was committed while nothing sent it, for the worker that starts next (a restart loses no mail)", async () => {
    const { user_id, email_id } = await signUp("after-restart@example.com");
    const later = await startSmtpServer();
    stops.push(() => later.close());
    const at = request(later.settings);
    at.services.mail = undefined;

    await initialize({ user_id, email_id }, at);
    expect(await db.emailDelivery.count({ where: { toAddress: "after-restart@example.com" } })).toBe(1);
    const restarted = startEmailWorker({ db, smtp: loadConfig(later.settings).emailDelivery.smtp!, from: { address: "passcodes@enroll.test", name: "Enroll" } });
    stops.push(() => restarted.stop());

    expect(passcodeIn(await later.waitForMail("after-restart@example.com"))).toMatch(/^\d{6}$/);
  });

  it("logs in to an SMTP server that asks for a user and password", async () => {
    const guarded = await startSmtpServer({ auth: { user: "enroll", password: "mail-secret" } });
    const worker = startEmailWorker({ db, smtp: loadConfig(guarded.settings).emailDelivery.smtp!, from: { address: "passcodes@enroll.test", name: "Enroll" } });
    stops.push(() => worker.stop(), () => guarded.close());
    const { user_id, email_id } = await signUp("guarded@example.com");
    const at = request(guarded.settings);
    at.services.mail = worker;

    await initialize({ user_id, email_id }, at);

    expect((await guarded.waitForMail("guarded@example.com")).from).toBe("passcodes@enroll.test");
  });
});

describe("EMAIL_DELIVERY_ENABLED=false", () => {
  it("sends no email but the email.send webhook, with the message and the passcode, which signs in", async () => {
    const receiver = await startWebhookReceiver();
    const hooks = { WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: JSON.stringify([{ callback: receiver.url, events: ["email.send"] }]) };
    const settings = { EMAIL_DELIVERY_ENABLED: "false", ...hooks };
    const worker = startWebhookWorker({ db, keys, audience: ["localhost"], maxAttempts: 3 });
    stops.push(() => worker.stop(), () => receiver.close());
    const { user_id, email_id } = await signUp("sends-itself@example.com", settings);
    const at = request(settings, { "accept-language": "de" });
    at.services.webhooks = worker;

    const passcode = await initialize({ user_id, email_id }, at);

    const [received] = await receiver.waitForAccepted(1);
    expect(received!.body.event).toBe("email.send");
    const claims = await keys.verify(received!.body.token, { audience: ["localhost"] });
    const data = claims.data as { data: { otp_code: string; valid_until: number } };
    expect(claims).toMatchObject({
      evt: "email.send",
      data: {
        subject: `${data.data.otp_code} ist Ihr Passcode für Enroll`,
        body_plain: expect.stringContaining(data.data.otp_code),
        body: expect.stringContaining(data.data.otp_code),
        to_email_address: "sends-itself@example.com",
        delivered_by_hanko: false,
        language: "de",
        type: "passcode",
        data: { service_name: "Enroll", otp_code: expect.stringMatching(/^\d{6}$/), ttl: 300, valid_until: expect.any(Number) },
      },
    });
    expect(Math.abs(data.data.valid_until - (Date.parse(passcode.created_at) / 1000 + 300))).toBeLessThan(5);
    expect(await db.emailDelivery.count({ where: { toAddress: "sends-itself@example.com" } })).toBe(0);
    await expect(finalize({ id: passcode.id, code: data.data.otp_code }, request(settings))).resolves.toMatchObject({ id: passcode.id });
  });
});

describe("the mailbox", () => {
  it("shows the emails kept instead of sent, to this machine only unless opened on purpose", async () => {
    // A database of its own, where no worker sends what the mailbox keeps.
    const own = createDatabase(await createMigratedDatabase(inject("postgresUrl")), { poolSize: 2 });
    stops.push(() => own.$disconnect());
    const shared = { db: own, keys };
    // The zero-configuration run (no DATABASE_URL, no SMTP host) keeps a mailbox for this machine only.
    const at = (clientAddress: string, settings: Record<string, string> = {}) =>
      requestContext(shared, { settings: { ...verifying, ...settings }, clientAddress });
    const mailboxed = (clientAddress: string, settings: Record<string, string> = {}) => callerAt(at(clientAddress, settings));
    const { user_id, email_id } = await signUpAt(at("127.0.0.1"), { email: "kept@example.com" });
    await mailboxed("127.0.0.1").passcode.initialize({ user_id, email_id });

    const [kept, ...others] = await mailboxed("127.0.0.1").mailbox.messages();

    expect(others).toEqual([]);
    expect(kept).toMatchObject({ to: "kept@example.com", subject: expect.stringMatching(/^\d{6} is your passcode for Enroll$/) });
    expect(kept!.body).toContain(kept!.subject.slice(0, 6));
    expect(await mailboxed("::1").mailbox.messages()).toEqual([kept]);
    expect(await failureOf(mailboxed("192.0.2.7").mailbox.messages())).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(await mailboxed("192.0.2.7", { EMAIL_MAILBOX_ENABLED: "true" }).mailbox.messages()).toEqual([kept]);
    expect(await failureOf(mailboxed("127.0.0.1", smtp.settings).mailbox.messages())).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });
});

describe("users.lookup and config", () => {
  it("answers the owner of an address, and NOT_FOUND for one only reserved by a sign-up or unknown", async () => {
    const owned = await signUp("looked-up@example.com", { EMAIL_REQUIRE_VERIFICATION: "false" });
    await signUp("reserved-only@example.com");

    expect(await callerAt(request()).users.lookup({ email: "Looked-Up@example.com" })).toEqual({
      id: owned.user_id,
      email_id: owned.email_id,
      verified: false,
      has_webauthn_credential: false,
    });
    expect(await failureOf(callerAt(request()).users.lookup({ email: "reserved-only@example.com" }))).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(await failureOf(callerAt(request()).users.lookup({ email: "nobody@example.com" }))).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("tells a frontend what the service does: no passwords or providers, verification and sign-up as configured", async () => {
    expect(await callerAt(request({ ACCOUNT_ALLOW_SIGNUP: "false" })).config()).toEqual({
      password: { enabled: false, min_password_length: 8 },
      emails: { require_verification: true, max_num_of_addresses: 1 },
      providers: [],
      account: { allow_deletion: false, allow_signup: false },
      use_enterprise: false,
    });
  });
});

import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { loadConfig } from "../src/config/index.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { startWebhookWorker, type WebhookWorker } from "../src/webhooks/worker.ts";
import { claimDueDeliveries, recordOutcomes } from "../src/webhooks/outbox.ts";
import { requestContext, signUpAt } from "./support/request.ts";
import { until } from "./support/until.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

let databaseUrl: string;
let db: Database;
let keys: SigningKeys;
beforeAll(async () => {
  databaseUrl = await createMigratedDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  keys = await openSigningKeys(db, ["a-secret-of-16-chars"]);
});
afterAll(() => db.$disconnect());

const audience = ["shop.example"];
const verify = (token: string) => keys.verify(token, { audience });

const hooksTo = (...hooks: { callback: string; events: string[] }[]) =>
  loadConfig({ WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: JSON.stringify(hooks), EMAIL_REQUIRE_VERIFICATION: "false" });

const receivers: WebhookReceiver[] = [];
const deliveries: WebhookWorker[] = [];
afterEach(async () => {
  await Promise.all(deliveries.splice(0).map((delivery) => delivery.stop()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(...args);
  receivers.push(started);
  return started;
}

function deliver(maxAttempts = 40): WebhookWorker {
  const started = startWebhookWorker({ db, keys, audience, maxAttempts });
  deliveries.push(started);
  return started;
}

const pendingFor = (callback: string) => db.webhookDelivery.findMany({ where: { callback }, orderBy: { createdAt: "asc" } });

/** The callback's one row, once its delivery is recorded (the receiver has it a moment before). */
async function deliveredRow(callback: string) {
  await until(async () => (await pendingFor(callback))[0]?.deliveredAt != null);
  return (await pendingFor(callback))[0];
}

describe("the outbox, written by the sign-up", () => {
  it("holds one user.create per subscribed callback, in the sign-up's statement, with the user as created", async () => {
    const callback = `http://127.0.0.1:9/${randomUUID()}`;
    const config = hooksTo({ callback, events: ["user.create"] }, { callback: `${callback}/other`, events: ["email.send"] });

    const created = await signUpAt({ db, keys, config }, { email: "outbox@example.com" });

    const rows = await db.webhookDelivery.findMany({ where: { callback: { startsWith: callback } } });
    const user = await db.user.findUniqueOrThrow({ where: { id: created.user_id }, include: { emails: true } });
    const email = user.emails[0]!;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: "user.create", callback, attempts: 0, deliveredAt: null, failedAt: null });
    expect(rows[0]!.data).toEqual({
      id: user.id,
      created_at: user.createdAt.toISOString().replace("Z", "000Z"),
      updated_at: user.updatedAt.toISOString().replace("Z", "000Z"),
      emails: [
        {
          id: email.id,
          address: "outbox@example.com",
          is_verified: false,
          is_primary: true,
          created_at: email.createdAt.toISOString().replace("Z", "000Z"),
          updated_at: email.updatedAt.toISOString().replace("Z", "000Z"),
        },
      ],
    });
  });

  it("subscribes by prefix, as the reference: \"user\" takes user.create, and a callback listed twice gets it once", async () => {
    const callback = `http://127.0.0.1:9/${randomUUID()}`;
    const config = hooksTo({ callback, events: ["user"] }, { callback, events: ["user.create"] }, { callback: `${callback}/u`, events: ["use"] });

    await signUpAt({ db, keys, config }, { email: "prefix@example.com" });

    expect(await db.webhookDelivery.count({ where: { callback } })).toBe(1);
    expect(await db.webhookDelivery.count({ where: { callback: `${callback}/u` } })).toBe(0);
  });

  it("writes nothing for a refused sign-up, nor while webhooks are off", async () => {
    const callback = `http://127.0.0.1:9/${randomUUID()}`;
    const config = hooksTo({ callback, events: ["user.create"] });
    await signUpAt({ db, keys, config }, { email: "refused@example.com" });

    await expect(signUpAt({ db, keys, config }, { email: "refused@example.com" })).rejects.toThrow("Conflict");
    const off = loadConfig({ WEBHOOKS_ENABLED: "false", WEBHOOKS_HOOKS: JSON.stringify([{ callback, events: ["user"] }]), EMAIL_REQUIRE_VERIFICATION: "false" });
    await signUpAt({ db, keys, config: off }, { email: "off@example.com" });

    expect(await db.webhookDelivery.count({ where: { callback } })).toBe(1);
  });

  it("writes one event for a sign-up under an Idempotency-Key, and none when it is replayed", async () => {
    const callback = `http://127.0.0.1:9/${randomUUID()}`;
    const key = randomUUID();
    const keyed = () => {
      const request = requestContext({ db, keys }, { headers: { "idempotency-key": key }, requestId: randomUUID() });
      return { ...request, services: { ...request.services, config: hooksTo({ callback, events: ["user.create"] }) } };
    };

    const first = await signUpAt(keyed(), { email: "keyed@example.com" });
    const replayed = await signUpAt(keyed(), { email: "keyed@example.com" });

    expect(replayed).toEqual(first);
    expect(await pendingFor(callback)).toEqual([expect.objectContaining({ data: expect.objectContaining({ id: first.user_id }) })]);
  });
});

describe("delivery", () => {
  it("posts the reference's body: JSON with the event and a token, signed with the session keys, carrying sub, aud, evt, data, iat and a 5-minute exp", async () => {
    const hooks = await receiver();
    const created = await signUpAt({ db, keys, config: hooksTo({ callback: hooks.url, events: ["user.create"] }) }, { email: "posted@example.com" });
    deliver();

    const [received] = await hooks.waitForAccepted(1);

    expect(received!.contentType).toBe("application/json");
    expect(received!.body).toEqual({ token: expect.any(String), event: "user.create" });
    const claims = await verify(received!.body.token);
    expect(claims).toMatchObject({ sub: "hanko webhooks", aud: audience, evt: "user.create", data: { id: created.user_id } });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(await deliveredRow(hooks.url)).toMatchObject({ attempts: 1, nextAttemptAt: null, failedAt: null, deliveredAt: expect.any(Date) });
  });

  it("retries a callback that refuses (non-2xx) with a growing delay until it accepts, and delivers once", async () => {
    const hooks = await receiver((request) => (request <= 3 ? 503 : 200));
    await signUpAt({ db, keys, config: hooksTo({ callback: hooks.url, events: ["user"] }) }, { email: "refused-thrice@example.com" });
    deliver();

    await hooks.waitForAccepted(1);

    expect(hooks.requests.map(({ status }) => status)).toEqual([503, 503, 503, 200]);
    expect(await deliveredRow(hooks.url)).toMatchObject({ attempts: 4, deliveredAt: expect.any(Date), lastError: null });
    // Let a few more polls pass: a delivered event is not posted again.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(hooks.requests).toHaveLength(4);
  });

  it("retries a callback that refuses connections, and one that does not answer within 5 s", async () => {
    const unreachable = await receiver();
    await unreachable.down();
    const silent = await receiver((request) => (request === 1 ? "no answer" : 200));
    const config = hooksTo({ callback: unreachable.url, events: ["user.create"] }, { callback: silent.url, events: ["user.create"] });
    await signUpAt({ db, keys, config }, { email: "unreachable@example.com" });
    deliver();

    await silent.waitForAccepted(1);
    expect(await deliveredRow(silent.url)).toMatchObject({ attempts: 2, deliveredAt: expect.any(Date) });
    const [refused] = await pendingFor(unreachable.url);
    expect(refused).toMatchObject({ deliveredAt: null, lastError: expect.stringContaining("ECONNREFUSED") });
    expect(refused!.attempts).toBeGreaterThan(1);

    await unreachable.up();
    await unreachable.waitForAccepted(1);
  });

  it("gives up once the attempts run out, and keeps the row with its last failure", async () => {
    const hooks = await receiver(() => 500);
    await signUpAt({ db, keys, config: hooksTo({ callback: hooks.url, events: ["user.create"] }) }, { email: "given-up@example.com" });
    deliver(3);

    await until(async () => (await pendingFor(hooks.url))[0]?.failedAt != null);

    expect(await pendingFor(hooks.url)).toEqual([
      expect.objectContaining({ attempts: 3, nextAttemptAt: null, deliveredAt: null, lastError: "answered 500" }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(hooks.requests).toHaveLength(3);
  });

  it("removes delivered events a week after their delivery as it records new ones, and keeps those given up", async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const old = `http://127.0.0.1:9/${randomUUID()}`;
    const row = (deliveredAt: Date | null, failedAt: Date | null) => ({
      event: "user.create", callback: old, data: {}, attempts: 1, nextAttemptAt: null, deliveredAt, failedAt,
    });
    await db.webhookDelivery.createMany({
      data: [row(daysAgo(8), null), row(daysAgo(9), null), row(daysAgo(6), null), row(null, daysAgo(30))],
    });
    const hooks = await receiver();
    await signUpAt({ db, keys, config: hooksTo({ callback: hooks.url, events: ["user.create"] }) }, { email: "sweeps@example.com" });
    deliver();

    await deliveredRow(hooks.url);

    const left = await pendingFor(old);
    expect(left).toHaveLength(2);
    expect(left.filter(({ failedAt }) => failedAt !== null)).toHaveLength(1);
    expect(left.find(({ deliveredAt }) => deliveredAt !== null)!.deliveredAt!.getTime()).toBeGreaterThan(daysAgo(7).getTime());
  });

  it("records an attempt only while its lease holds: a late failure cannot undo another instance's delivery", async () => {
    const callback = `http://127.0.0.1:9/${randomUUID()}`;
    await db.webhookDelivery.create({ data: { event: "user.create", callback, data: {} } });
    const [paused] = (await claimDueDeliveries(db, 100)).filter((due) => due.callback === callback);
    // The paused instance's lease runs out; another instance claims the event again and delivers it.
    await db.webhookDelivery.updateMany({ where: { callback }, data: { nextAttemptAt: new Date() } });
    const [reclaimed] = (await claimDueDeliveries(db, 100)).filter((due) => due.callback === callback);
    await recordOutcomes(db, [{ id: reclaimed!.id, attempts: reclaimed!.attempts, failure: undefined, retryInMs: null }]);

    await recordOutcomes(db, [{ id: paused!.id, attempts: paused!.attempts, failure: "answered 500", retryInMs: 1_000 }]);

    expect(await pendingFor(callback)).toEqual([
      expect.objectContaining({ attempts: 2, deliveredAt: expect.any(Date), nextAttemptAt: null, lastError: null }),
    ]);
  });

  it("shares the outbox between instances: each event is posted once, and every one arrives", async () => {
    const hooks = await receiver();
    const config = hooksTo({ callback: hooks.url, events: ["user.create"] });
    const signUps = Array.from({ length: 60 }, (_, index) => signUpAt({ db, keys, config }, { email: `shared-${index}@example.com` }));
    const created = await Promise.all(signUps);
    const instances = [deliver(), deliver(), deliver()];
    for (const instance of instances) instance.wake();

    await hooks.waitForAccepted(60);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const ids = await Promise.all(hooks.requests.map(async ({ body }) => ((await verify(body.token)).data as { id: string }).id));
    expect(ids.toSorted()).toEqual(created.map(({ user_id }) => user_id).toSorted());
  });
});

describe("stopping", () => {
  it("lets an attempt in flight finish and records it before the pool closes, so a stopped instance leaves nothing leased", async () => {
    const hooks = await receiver(() => new Promise((answer) => setTimeout(() => answer(200), 500)));
    await signUpAt({ db, keys, config: hooksTo({ callback: hooks.url, events: ["user.create"] }) }, { email: "stopping@example.com" });
    // Its own pool, closed right after stop() as scripts/run.ts closes the app's.
    const pool = createDatabase(databaseUrl);
    const delivery = startWebhookWorker({ db: pool, keys, audience, maxAttempts: 40 });
    await until(async () => hooks.requests.length === 1);

    await delivery.stop();
    await pool.$disconnect();

    expect(hooks.accepted()).toHaveLength(1);
    expect(await pendingFor(hooks.url)).toEqual([
      expect.objectContaining({ attempts: 1, nextAttemptAt: null, deliveredAt: expect.any(Date) }),
    ]);
  });
});

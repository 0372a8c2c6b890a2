import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startWebhookReceiver, type WebhookReceiver } from "@enroll/api/testing/webhook-receiver";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { postUser } from "../support/rest.ts";

let databaseUrl: string;
let db: Database;
beforeAll(async () => {
  databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
});
afterAll(() => db?.$disconnect());

const webhooksTo = (receiver: WebhookReceiver, settings: Record<string, string> = {}) => ({
  WEBHOOKS_ENABLED: "true",
  WEBHOOKS_HOOKS: JSON.stringify([{ callback: receiver.url, events: ["user.create"] }]),
  ...settings,
});

/**
 * The user ids the receiver accepted, each as often as it was accepted, from tokens checked as a
 * receiver checks them: against `app`'s /.well-known/jwks.json, for the sessions' audience, not expired.
 */
async function acceptedUserIds(receiver: WebhookReceiver, app: RunningApp): Promise<string[]> {
  const keys = createRemoteJWKSet(new URL("/.well-known/jwks.json", app.url));
  const verified = await Promise.all(
    receiver.accepted().map(({ body }) => jwtVerify(body.token, keys, { audience: "localhost", subject: "hanko webhooks" })),
  );
  return verified.map(({ payload }) => (payload.data as { id: string }).id).toSorted();
}

async function signUp(app: RunningApp, emails: string[]): Promise<string[]> {
  const answers = await Promise.all(emails.map((email) => postUser(app.url, { email })));
  expect(answers.map(({ status }) => status)).toEqual(emails.map(() => 200));
  return answers.map(({ body }) => (body as { user_id: string }).user_id);
}

describe("user.create webhooks", () => {
  it("are delivered, verifiable with the JWKS, after refused attempts and across the app being killed while the receiver is down, each once", async () => {
    const receiver = await startWebhookReceiver((request) => (request <= 2 ? 503 : 200));
    const first = await startApp(databaseUrl, webhooksTo(receiver));
    const before = await signUp(first, ["kill-1@example.com", "kill-2@example.com"]);
    await receiver.waitForAccepted(2);

    await receiver.down();
    // Answered at once, while the callback refuses connections: a sign-up never waits for a webhook.
    const during = await signUp(first, ["kill-3@example.com", "kill-4@example.com", "kill-5@example.com"]);
    process.kill(first.pid, "SIGKILL");
    await first.exited;
    await receiver.up();
    const restarted = await startApp(databaseUrl, webhooksTo(receiver));
    try {
      // An attempt the killed app had begun is made again once its lease (15 s) runs out.
      await receiver.waitForAccepted(5, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      expect(await acceptedUserIds(receiver, restarted)).toEqual([...before, ...during].toSorted());
      expect(receiver.requests.slice(0, 2).map(({ status }) => status)).toEqual([503, 503]);
    } finally {
      await restarted.stop();
      await receiver.close();
    }
  });

  it("are shared by several instances on one database: every event arrives, none twice", async () => {
    const receiver = await startWebhookReceiver();
    const instances = await Promise.all([startApp(databaseUrl, webhooksTo(receiver)), startApp(databaseUrl, webhooksTo(receiver))]);
    try {
      const emails = Array.from({ length: 40 }, (_, index) => `shared-${index}@example.com`);
      const created = (
        await Promise.all([signUp(instances[0], emails.slice(0, 20)), signUp(instances[1], emails.slice(20))])
      ).flat();
      await receiver.waitForAccepted(40);
      await new Promise((resolve) => setTimeout(resolve, 2_000));

      expect(await acceptedUserIds(receiver, instances[0]!)).toEqual(created.toSorted());
    } finally {
      await Promise.all(instances.map((instance) => instance.stop()));
      await receiver.close();
    }
  });

  it("record and log a callback that keeps failing once its attempts run out", async () => {
    const receiver = await startWebhookReceiver(() => 500);
    const app = await startApp(databaseUrl, webhooksTo(receiver, { WEBHOOKS_MAX_ATTEMPTS: "2" }));
    try {
      const [userId] = await signUp(app, ["always-refused@example.com"]);
      await until(() => app.logLines().some(({ msg }) => String(msg).startsWith("Webhook given up")));

      const givenUp = app.logLines().find(({ msg }) => String(msg).startsWith("Webhook given up"))!;
      expect(givenUp).toMatchObject({ level: 50, callback: new URL(receiver.url).origin, attempt: 2, failure: "answered 500" });
      const row = await db.webhookDelivery.findFirstOrThrow({ where: { callback: receiver.url } });
      expect(row).toMatchObject({ attempts: 2, deliveredAt: null, failedAt: expect.any(Date), lastError: "answered 500" });
      expect(row.data).toMatchObject({ id: userId });
    } finally {
      await app.stop();
      await receiver.close();
    }
  });
});

async function until(condition: () => boolean, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("Timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

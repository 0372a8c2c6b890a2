import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { startRedis, type Daemon } from "../support/daemons.ts";
import { callMutation, error, postUser, send, type Answer } from "../support/rest.ts";

/** Three sign-ups a minute per client, so that a test reaches the limit in a few requests. */
const limited = { RATE_LIMITER_ENABLED: "true", RATE_LIMITER_SIGNUP_LIMIT: "3", RATE_LIMITER_SIGNUP_WINDOW: "60" };

let db: Database;
let behindProxy: RunningApp;
let redis: Daemon;
let sharing: RunningApp[] = [];

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  redis = await startRedis();
  // Behind a proxy on 127.0.0.1, whose X-Forwarded-For names the client; in memory.
  behindProxy = await startApp(databaseUrl, { ...limited, SERVER_TRUSTED_PROXIES: "127.0.0.1,::1" });
  // Two instances counting together in Redis, trusting no proxy.
  sharing = await Promise.all(
    [1, 2].map(() => startApp(databaseUrl, { ...limited, RATE_LIMITER_STORE: "redis", REDIS_URL: redis.url })),
  );
});
afterAll(async () => {
  await Promise.all([behindProxy, ...sharing].map((app) => app?.stop()));
  await redis?.stop();
  await db?.$disconnect();
});

const from = (client: string) => ({ "X-Forwarded-For": client });
const rateHeaders = (answer: Answer) => ({
  limit: answer.headers.get("x-ratelimit-limit"),
  remaining: answer.headers.get("x-ratelimit-remaining"),
  retryAfter: answer.headers.get("retry-after"),
});

describe("the sign-up rate limit per client", () => {
  it("counts both doors together, then answers 429 with Retry-After and writes nothing", async () => {
    const client = from("203.0.113.1");
    const answers = [
      await postUser(behindProxy.url, { email: "limit-1@example.com" }, client),
      await callMutation(behindProxy.url, "users.create", { email: "limit-2@example.com" }, client),
      await postUser(behindProxy.url, { email: "limit-3@example.com" }, client),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.map(rateHeaders)).toEqual([
      { limit: "3", remaining: "2", retryAfter: null },
      { limit: "3", remaining: "1", retryAfter: null },
      { limit: "3", remaining: "0", retryAfter: null },
    ]);

    const refused = await postUser(behindProxy.url, { email: "limit-4@example.com" }, client);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(error(429, "Too Many Requests"));
    expect(rateHeaders(refused)).toEqual({ limit: "3", remaining: "0", retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
    const reset = Number(refused.headers.get("x-ratelimit-reset"));
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 61_000);

    const refusedCall = await callMutation(behindProxy.url, "users.create", { email: "limit-5@example.com" }, client);
    expect(refusedCall.status).toBe(429);
    expect(refusedCall.body).toMatchObject({ error: { message: "Too Many Requests", data: { code: "TOO_MANY_REQUESTS" } } });
    expect(refusedCall.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);

    expect(await db.email.count({ where: { address: { in: ["limit-4@example.com", "limit-5@example.com"] } } })).toBe(0);
    // Another client behind the same proxy has its own count.
    expect((await postUser(behindProxy.url, { email: "limit-other@example.com" }, from("203.0.113.2"))).status).toBe(200);
  });

  it("counts a batched tRPC call as one sign-up, and refuses a batch of more without counting it", async () => {
    const client = from("203.0.113.3");
    const batchOf = (emails: string[]) =>
      send(behindProxy.url, `/api/trpc/${emails.map(() => "users.create").join(",")}?batch=1`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...client },
        body: JSON.stringify(Object.fromEntries(emails.map((email, index) => [index, { email }]))),
      });

    const one = await batchOf(["batch-1@example.com"]);
    expect(one.status).toBe(200);
    expect(one.headers.get("x-ratelimit-remaining")).toBe("2");
    expect((await batchOf(["batch-2@example.com", "batch-3@example.com"])).status).toBe(400);

    const last = await postUser(behindProxy.url, { email: "batch-4@example.com" }, client);
    expect(rateHeaders(last)).toMatchObject({ remaining: "1" });
  });

  it("is shared through Redis by every instance, and believes no X-Forwarded-For from an untrusted peer", async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      // A new forwarded address each time: not believed, so all five are 127.0.0.1's.
      const answer = await postUser(sharing[i % 2]!.url, { email: `shared-${i}@example.com` }, from(`198.51.100.${i}`));
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});

describe("the buckets of client addresses", () => {
  it("count an IPv6 client by its /64, and an IPv4-mapped address as its IPv4 address", async () => {
    const statuses = async (clients: string[]) => {
      const answers: number[] = [];
      for (const client of clients) answers.push((await postUser(behindProxy.url, { email: `v6-${answers.length}-${client.replaceAll(":", "-")}@example.com` }, from(client))).status);
      return answers;
    };

    // Four addresses of one /64: the fourth is past the limit of three.
    expect(await statuses(["2001:db8:1:1::1", "2001:db8:1:1::2", "2001:db8:1:1:ffff::3", "2001:db8:1:1::4"])).toEqual([200, 200, 200, 429]);
    // The next /64 is another client.
    expect(await statuses(["2001:db8:1:2::1"])).toEqual([200]);
    expect(await statuses(["::ffff:198.51.100.9", "198.51.100.9", "::ffff:c633:6409", "198.51.100.9"])).toEqual([200, 200, 200, 429]);
  });
});

describe("a client that resets its connection right after sending a sign-up", () => {
  it("never signs up past the limit, and whatever it signed up is audited with the address it connected from", async () => {
    // An app of its own, so that 127.0.0.1's bucket is fresh.
    const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
    const app = await startApp(databaseUrl, limited);
    const appDb = createDatabase(databaseUrl);
    const { hostname, port } = new URL(app.url);
    const signUpAndReset = (email: string) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ email });
        const socket = connect({ host: hostname, port: Number(port) }, () => {
          socket.write(`POST /users HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
          socket.resetAndDestroy();
        });
        socket.on("close", () => resolve()).on("error", reject);
      });
    try {
      for (let attempt = 0; attempt < 20; attempt++) await signUpAndReset(`reset-${attempt}@example.com`);
      // The last of them may still be committing.
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      // A request whose address was taken as its connection opened is counted against it; one whose
      // connection was gone before even that is refused. Either way: within the limit, and audited with the address.
      const entries = await appDb.auditLog.findMany();
      expect(entries.length).toBeLessThanOrEqual(3);
      expect(await appDb.user.count()).toBe(entries.length);
      for (const { metaSourceIp } of entries) expect(metaSourceIp).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await appDb.$disconnect();
      await app.stop();
    }
  });
});

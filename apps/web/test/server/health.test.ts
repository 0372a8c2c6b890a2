import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { proxyDatabase, type DatabaseProxy } from "../support/database-proxy.ts";
import { error, send, type Answer } from "../support/rest.ts";

let app: RunningApp;
let proxy: DatabaseProxy;

beforeAll(async () => {
  let proxiedUrl: string;
  ({ proxy, proxiedUrl } = await proxyDatabase(await createEmptyDatabase(inject("postgresUrl"))));
  // The sign-up limit at its lowest, to show that the probes are not counted against it.
  app = await startApp(proxiedUrl, { RATE_LIMITER_ENABLED: "true", RATE_LIMITER_SIGNUP_LIMIT: "1" });
});
afterAll(async () => {
  proxy?.resume();
  await app?.stop();
  await proxy?.goDown();
});

describe("GET /health/alive and /health/ready", () => {
  it("answer 200 {alive: true} and 200 {ready: true} while the database answers", async () => {
    const alive = await send(app.url, "/health/alive");
    const ready = await send(app.url, "/health/ready");

    expect(alive).toMatchObject({ status: 200, body: { alive: true } });
    expect(ready).toMatchObject({ status: 200, body: { ready: true } });
    expect(ready.headers.get("cache-control")).toBe("no-store");
  });

  it("are never rate-limited: many probes from one client, with a sign-up limit of one", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(app.url, i % 2 ? "/health/alive" : "/health/ready")),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(answers.every((answer) => answer.headers.get("x-ratelimit-limit") === null)).toBe(true);
  });

  it("answer HEAD as GET, without the body, for balancers that probe with HEAD", async () => {
    for (const path of ["/health/alive", "/health/ready"]) {
      const answer = await fetch(`${app.url}${path}`, { method: "HEAD" });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe("");
    }
  });

  it("answer any other method with 405 and Allow: GET, HEAD", async () => {
    for (const path of ["/health/alive", "/health/ready"]) {
      const answer = await send(app.url, path, { method: "POST" });
      expect(answer).toMatchObject({ status: 405, body: error(405, "Method Not Allowed") });
      expect(answer.headers.get("allow")).toBe("GET, HEAD");
    }
  });
});

/**
 * Probes /health/ready one after another from now until one answers 503 (for at most 4 s): the
 * answers it got, how long each took, and when the first 503 came, in ms from now.
 */
async function probeUntilNotReady(): Promise<{ last: Answer; waits: number[]; notReadyAfter: number }> {
  const since = Date.now();
  const waits: number[] = [];
  let last: Answer;
  do {
    const start = Date.now();
    last = await send(app.url, "/health/ready");
    waits.push(Date.now() - start);
  } while (last.status === 200 && Date.now() - since < 4_000);
  return { last, waits, notReadyAfter: Date.now() - since };
}

describe("/health/ready while the database does not answer", () => {
  // A probe may still get the answer the database gave up to about a second before it stopped
  // answering; the first probe after that asks again, and waits at most about a second.
  it("answers 503 {ready: false} within about two seconds of it hanging, no probe waiting more than about a second, and alive stays 200", async () => {
    proxy.hang();
    try {
      const { last, waits, notReadyAfter } = await probeUntilNotReady();

      expect(last).toMatchObject({ status: 503, body: { ready: false } });
      expect(notReadyAfter).toBeLessThan(2_800);
      expect(waits.at(-1)).toBeGreaterThanOrEqual(900);
      expect(Math.max(...waits)).toBeLessThan(1_500);
      const again = Date.now();
      expect(await send(app.url, "/health/ready")).toMatchObject({ status: 503, body: { ready: false } });
      expect(Date.now() - again, "the next probe gets the same answer at once").toBeLessThan(500);
      expect(await send(app.url, "/health/alive")).toMatchObject({ status: 200, body: { alive: true } });
    } finally {
      proxy.resume();
    }
    await expect.poll(async () => (await send(app.url, "/health/ready")).status, { timeout: 5_000 }).toBe(200);
  });

  it("answers 503 {ready: false} within about two seconds of it going down, and 200 again once it is back", async () => {
    await proxy.goDown();
    try {
      const { last, notReadyAfter } = await probeUntilNotReady();

      expect(last).toMatchObject({ status: 503, body: { ready: false } });
      expect(notReadyAfter).toBeLessThan(2_800);
    } finally {
      proxy.comeBack();
    }
    await expect.poll(async () => (await send(app.url, "/health/ready")).status, { timeout: 5_000 }).toBe(200);
  });
});

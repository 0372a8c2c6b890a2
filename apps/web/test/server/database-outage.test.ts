import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { proxyDatabase, type DatabaseProxy } from "../support/database-proxy.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

let app: RunningApp;
let proxy: DatabaseProxy;
let address = 0;
const newAddress = () => `outage-${(address += 1)}@example.com`;

beforeAll(async () => {
  let proxiedUrl: string;
  ({ proxy, proxiedUrl } = await proxyDatabase(await createEmptyDatabase(inject("postgresUrl"))));
  app = await startApp(proxiedUrl);
});
afterAll(async () => {
  proxy?.resume();
  await app?.stop();
  await proxy?.goDown();
});

/** Signs up until one succeeds; resolves with how long that took. */
async function millisecondsUntilSignUpsWork(): Promise<number> {
  const start = Date.now();
  while ((await postUser(app.url, { email: newAddress() })).status !== 200) {
    if (Date.now() - start > 10_000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - start;
}

async function expectServiceUnavailableWithin2s(): Promise<void> {
  const start = Date.now();
  // More at once than the pool has connections: none of them may wait longer.
  const answers = await Promise.all([
    ...Array.from({ length: 12 }, () => postUser(app.url, { email: newAddress() })),
    callMutation(app.url, "users.create", { email: newAddress() }),
  ]);
  const elapsed = Date.now() - start;

  for (const answer of answers.slice(0, -1)) {
    expect(answer).toMatchObject({ status: 503, body: error(503, "Service Unavailable") });
    expect(answer.headers.get("retry-after")).toBe("2");
  }
  expect(answers.at(-1)).toMatchObject({ status: 503, body: { error: { data: { code: "SERVICE_UNAVAILABLE" } } } });
  expect(answers.at(-1)!.headers.get("retry-after")).toBe("2");
  expect(elapsed).toBeLessThan(2_000);
}

describe("while the database does not answer", () => {
  it("signs up as usual before", async () => {
    expect((await postUser(app.url, { email: newAddress() })).status).toBe(200);
  });

  it("answers every sign-up within 2 s with 503 and Retry-After, and recovers within 5 s of its return", async () => {
    proxy.hang();
    await expectServiceUnavailableWithin2s();
    proxy.resume();

    expect(await millisecondsUntilSignUpsWork()).toBeLessThan(5_000);
  });

  it("does the same when the database is killed and comes back", async () => {
    await proxy.goDown();
    await expectServiceUnavailableWithin2s();
    proxy.comeBack();

    expect(await millisecondsUntilSignUpsWork()).toBeLessThan(5_000);
  });

  it("logs each failed request as one JSON line with its request id, level and the error's class", async () => {
    // The app's stdout is a pipe: its lines may reach this process after the answers did.
    const failedLines = () => app.logLines().filter((line) => line.msg === "Database unavailable");
    await expect.poll(() => failedLines().length).toBe(26);
    const failures = failedLines();
    expect(new Set(failures.map((line) => line.requestId)).size).toBe(26);
    for (const line of failures) expect(line).toMatchObject({ level: 40, err: { class: expect.any(String) } });
  });
});

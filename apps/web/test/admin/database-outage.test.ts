import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { proxyDatabase, type DatabaseProxy } from "../support/database-proxy.ts";
import { error, send } from "../support/rest.ts";

let app: RunningApp;
let proxy: DatabaseProxy;

beforeAll(async () => {
  let proxiedUrl: string;
  ({ proxy, proxiedUrl } = await proxyDatabase(await createEmptyDatabase(inject("postgresUrl"))));
  app = await startApp(proxiedUrl);
});
afterAll(async () => {
  await app?.stop();
  await proxy?.goDown();
});

const json = { "Content-Type": "application/json" };

describe("the admin API while the database is down", () => {
  it("answers every route that needs it 503 with Retry-After, in the contract's shape, and /metrics still 200", async () => {
    await proxy.goDown();
    try {
      const answers = await Promise.all([
        send(app.adminUrl, "/users"),
        send(app.adminUrl, `/users/${randomUUID()}`),
        send(app.adminUrl, `/users/${randomUUID()}`, { method: "DELETE" }),
        send(app.adminUrl, "/users", { method: "POST", headers: json, body: JSON.stringify({ emails: [{ address: "down@example.com", is_primary: true }] }) }),
        send(app.adminUrl, "/audit_logs"),
        send(app.adminUrl, "/stats/sign_ups"),
      ]);

      for (const answer of answers) {
        expect(answer, answer.path).toMatchObject({ status: 503, body: error(503, "Service Unavailable") });
        expect(answer.headers.get("retry-after"), answer.path).toBe("2");
      }
      const metrics = await fetch(`${app.adminUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^enroll_db_pool_waiting_queries \d+$/m);
    } finally {
      proxy.comeBack();
    }
    await expect.poll(async () => (await send(app.adminUrl, "/users")).status, { timeout: 5_000 }).toBe(200);
  });
});

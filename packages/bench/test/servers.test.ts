import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { openFreshDatabase, type BenchDatabase } from "../src/database.ts";
import {
  cpuMilliseconds,
  peakRssBytes,
  resetPeakRss,
  startBaselineServer,
  type ServerUnderTest,
} from "../src/servers.ts";

describe("the baseline server", () => {
  let database: BenchDatabase;
  let baseline: ServerUnderTest;

  beforeAll(async () => {
    database = await openFreshDatabase(inject("postgresUrl"));
    baseline = await startBaselineServer(database.url, 2);
  });
  afterAll(async () => {
    await baseline.stop();
    await database.close();
  });

  const signUp = (email: string) =>
    fetch(`${baseline.url}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });

  it("signs a new address up with the app's statement: a user, its email and its primary email", async () => {
    const response = await signUp("New@Bench.Example");

    expect(response.status).toBe(200);
    const created = (await response.json()) as { id: string; user_id: string; email_id: string };
    expect(created.id).toBe(created.user_id);
    const { rows } = await database.client.query(
      `SELECT e.address FROM emails e JOIN primary_emails p ON p.email_id = e.id AND p.user_id = e.user_id
        WHERE e.id = $1 AND e.user_id = $2`,
      [created.email_id, created.user_id],
    );
    expect(rows).toEqual([{ address: "new@bench.example" }]);
  });

  it("starts the session as the app does: its row, and a token with the app's claims, signed with node:crypto", async () => {
    const response = await signUp("session@bench.example");

    const created = (await response.json()) as { user_id: string };
    const token = /^hanko=(.+)$/.exec(response.headers.get("set-cookie") ?? "")?.[1];
    const { payload, protectedHeader } = await jwtVerify(token!, createRemoteJWKSet(new URL(`${baseline.url}/jwks`)), {
      audience: "localhost",
    });
    expect(protectedHeader).toMatchObject({ alg: "RS256", typ: "JWT" });
    expect(payload).toMatchObject({
      sub: created.user_id,
      email: { address: "session@bench.example", is_primary: true, is_verified: false },
    });
    expect(payload.exp! - payload.iat!).toBe(12 * 3600);
    const { rows } = await database.client.query("SELECT user_id FROM sessions WHERE id = $1", [payload.session_id]);
    expect(rows).toEqual([{ user_id: created.user_id }]);
  });

  it("answers 409 for an address that is taken", async () => {
    await signUp("taken@bench.example");

    const response = await signUp("taken@bench.example");

    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ code: 409, message: "Conflict" });
  });
});

describe("process measurements", () => {
  it("read the peak resident set size since the last reset", async () => {
    await resetPeakRss(process.pid);
    const before = await peakRssBytes(process.pid);
    const ballast = Buffer.alloc(64 * 2 ** 20, 1);

    const after = await peakRssBytes(process.pid);

    expect(after - before).toBeGreaterThan(32 * 2 ** 20);
    expect(ballast.length).toBeGreaterThan(0);
  });

  it("read the CPU time a process has used", () => {
    const before = cpuMilliseconds(process.pid);
    // Spin for 100 ms of CPU, not of wall-clock time: on a busy machine the two differ a lot.
    const start = process.cpuUsage();
    const cpuSpentMs = () => {
      const { user, system } = process.cpuUsage(start);
      return (user + system) / 1000;
    };
    while (cpuSpentMs() < 100);

    // /proc counts in 10 ms ticks.
    expect(cpuMilliseconds(process.pid) - before).toBeGreaterThanOrEqual(80);
  });
});

import { request } from "node:http";
import { describe, expect, inject, it } from "vitest";
import { createEmptyDatabase, freePort } from "@enroll/db/testing";
import { appOnFreshDatabase, startApp } from "../support/app.ts";

const KEY = "an-admin-key-of-some-length";

/** A GET to `url` with exactly these headers (Host included, which fetch does not let a caller choose). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { headers }, (response) => {
      let body = "";
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    sent.on("error", reject).end();
  });
}

describe("without ADMIN_API_KEY, on loopback (the default)", () => {
  const running = appOnFreshDatabase();

  it("answers this machine's requests", async () => {
    expect((await get(`${running.app.adminUrl}/users`)).status).toBe(200);
    expect((await get(`${running.app.adminUrl}/users`, { Origin: running.app.adminUrl })).status).toBe(200);
  });

  it("refuses a request sent to a name that is not loopback (DNS rebinding) and a browser's from another site", async () => {
    const port = new URL(running.app.adminUrl).port;

    const foreign: Record<string, string>[] = [{ Host: `rebound.example:${port}` }, { Origin: "https://evil.example" }, { "Sec-Fetch-Site": "cross-site" }];
    for (const headers of foreign) {
      const answer = await get(`${running.app.adminUrl}/users`, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ code: 403, message: "Forbidden" });
      expect(answer.headers["x-request-id"]).toBeTruthy();
    }
  });

  it("is bound to loopback only", async () => {
    expect(running.app.output()).toMatch(/admin API on http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe("on a non-loopback address (0.0.0.0)", () => {
  it("refuses to start without ADMIN_API_KEY, saying why", async () => {
    const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));

    await expect(startApp(databaseUrl, { ADMIN_HOST: "0.0.0.0" })).rejects.toThrow(/ADMIN_HOST is not a loopback address.*set ADMIN_API_KEY/);
  });

  it("with ADMIN_API_KEY, asks every request but the document for it", async () => {
    const app = await startApp(await createEmptyDatabase(inject("postgresUrl")), { ADMIN_HOST: "0.0.0.0", ADMIN_API_KEY: KEY, ADMIN_PORT: String(await freePort()) });
    try {
      const none = await get(`${app.adminUrl}/users`);
      const wrong = await get(`${app.adminUrl}/metrics`, { Authorization: `Bearer ${KEY}x` });
      const right = await get(`${app.adminUrl}/users`, { Authorization: `Bearer ${KEY}` });
      const metrics = await get(`${app.adminUrl}/metrics`, { Authorization: `Bearer ${KEY}` });
      // With a key, the name the request was sent to does not matter.
      const anyHost = await get(`${app.adminUrl}/users`, { Authorization: `Bearer ${KEY}`, Host: "admin.internal.example" });

      expect(none).toMatchObject({ status: 401, headers: { "www-authenticate": 'Bearer realm="enroll-admin"' } });
      expect(JSON.parse(none.body)).toEqual({ code: 401, message: "Unauthorized" });
      expect(wrong.status).toBe(401);
      expect(right.status).toBe(200);
      expect(metrics.status).toBe(200);
      expect(anyHost.status).toBe(200);
      expect((await get(`${app.adminUrl}/openapi.json`)).status).toBe(200);
      // The one way in: no spelling of a route escapes the key.
      for (const spelling of ["//users", "/users/", "/./users", "/x/../users", "/%75sers", "/%2e/metrics", "/users/%2e%2e/audit_logs"]) {
        const answer = await get(`${app.adminUrl}${spelling}`);
        expect(answer.status, spelling).toBe(401);
        expect(JSON.parse(answer.body), spelling).toEqual({ code: 401, message: "Unauthorized" });
      }
      expect(app.output()).toMatch(/admin API on http:\/\/0\.0\.0\.0:\d+ \(with ADMIN_API_KEY\)/);
    } finally {
      await app.stop();
    }
  });
});

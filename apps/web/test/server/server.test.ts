import { request } from "node:http";
import pg from "pg";
import { expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { appOnFreshDatabase, startApp } from "../support/app.ts";

const running = appOnFreshDatabase();

it("hands pages to Next.js, and gives them an X-Request-Id too", async () => {
  const page = await fetch(`${running.app.url}/`);
  const missing = await fetch(`${running.app.url}/no-such-page`);

  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  expect(page.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  expect(missing.status).toBe(404);
  expect(missing.headers.get("content-type")).toMatch(/^text\/html/);
});

it.each(["/users", "/api/trpc/users.create", "/"])("keeps the caller's X-Request-Id on %s", async (path) => {
  const response = await fetch(`${running.app.url}${path}`, {
    method: path === "/" ? "GET" : "POST",
    headers: { "Content-Type": "application/json", "X-Request-Id": "caller-chosen.id:42" },
    body: path === "/" ? undefined : JSON.stringify({ email: `request-id${path.replaceAll("/", "-")}@example.com` }),
  });

  expect(response.status).toBe(200);
  expect(response.headers.get("x-request-id")).toBe("caller-chosen.id:42");
});

it("on SIGTERM, stops accepting, lets the sign-up in flight finish, and exits 0", async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  const app = await startApp(databaseUrl);
  // A sign-up whose body is still arriving when the app is told to stop.
  const body = JSON.stringify({ email: "in-flight@example.com" });
  const inFlight = request(`${app.url}/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
  });
  const answered = new Promise<number>((resolve, reject) =>
    inFlight.on("response", (response) => resolve(response.resume().statusCode!)).on("error", reject),
  );
  inFlight.write(body.slice(0, 10));
  await new Promise((resolve) => setTimeout(resolve, 200));

  process.kill(app.pid, "SIGTERM");
  await expect.poll(() => fetch(`${app.url}/users`).then(() => "answered", () => "refused"), { timeout: 10_000 }).toBe("refused");
  inFlight.end(body.slice(10));

  expect(await answered).toBe(200);
  expect(await app.exited).toBe(0);
  const reader = new pg.Client({ connectionString: databaseUrl });
  await reader.connect();
  const { rows } = await reader.query("SELECT address FROM emails");
  expect(rows).toEqual([{ address: "in-flight@example.com" }]);
  await reader.end();
});

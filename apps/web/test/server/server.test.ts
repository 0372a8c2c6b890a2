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
  const blocker = new pg.Client({ connectionString: databaseUrl });
  await blocker.connect();
  // Hold the sign-up inside PostgreSQL until the app has been told to stop.
  await blocker.query("BEGIN; LOCK TABLE emails IN ACCESS EXCLUSIVE MODE");
  const inFlight = fetch(`${app.url}/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "in-flight@example.com" }),
  });
  await expect.poll(async () => (await blocker.query("SELECT 1 FROM pg_locks WHERE NOT granted")).rowCount).toBe(1);

  process.kill(app.pid, "SIGTERM");
  // Vitest's default of 1 s is too short for the signal's round trip on a loaded CI machine.
  await expect
    .poll(() => fetch(`${app.url}/users`).then(() => "answered", () => "refused"), { timeout: 15_000 })
    .toBe("refused");
  await blocker.query("COMMIT");

  const answer = await inFlight;
  expect(answer.status).toBe(200);
  expect(await app.exited).toBe(0);
  const { rows } = await blocker.query("SELECT address FROM emails");
  expect(rows).toEqual([{ address: "in-flight@example.com" }]);
  await blocker.end();
});

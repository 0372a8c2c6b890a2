import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

let app: RunningApp;

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  app = await startApp(databaseUrl);
  // Break the database under the running app: every sign-up now fails inside PostgreSQL.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("ALTER TABLE emails RENAME TO emails_moved");
  await client.end();
});
afterAll(() => app?.stop());

const internals = /emails|prisma|postgres|relation|stack|at \w+ \(|node_modules/i;

it("answers POST /users with a bare 500 that tells nothing of the inside", async () => {
  const answer = await postUser(app.url, { email: "unlucky@example.com" });

  expect(answer).toMatchObject({ status: 500, body: error(500, "Internal Server Error") });
  expect(JSON.stringify(answer.body)).not.toMatch(internals);
  expect(answer.headers.get("x-request-id")).toBeTruthy();
});

it("answers users.create with a bare INTERNAL_SERVER_ERROR", async () => {
  const answer = await callMutation(app.url, "users.create", { email: "unlucky@example.com" });

  expect(answer.status).toBe(500);
  expect(answer.body).toMatchObject({
    error: { message: "Internal Server Error", data: { code: "INTERNAL_SERVER_ERROR" } },
  });
  expect(JSON.stringify(answer.body)).not.toMatch(internals);
});

it("logs the real cause on the server: one JSON line per failed request, with its id and the error's class, code and sentence", async () => {
  // The app's stdout is a pipe: its lines may reach this process after the answers did.
  const failedLines = () => app.logLines().filter((line) => line.msg === "Unexpected failure");
  await expect.poll(() => failedLines().length).toBe(2);
  const failures = failedLines();
  // Both are sign-ups, whose statement runs through Prisma's adapter: PostgreSQL's SQLSTATE and sentence.
  for (const line of failures) {
    expect(line).toMatchObject({
      level: 50,
      requestId: expect.any(String),
      err: { class: "DriverAdapterError", code: "42P01", kind: "TableDoesNotExist", message: 'relation "emails" does not exist' },
    });
  }
  expect(app.output()).not.toMatch(/\n\s+at /);
});

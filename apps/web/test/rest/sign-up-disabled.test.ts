import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

let app: RunningApp;
let db: Database;

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  app = await startApp(databaseUrl, { ACCOUNT_ALLOW_SIGNUP: "false" });
  db = createDatabase(databaseUrl);
});
afterAll(async () => {
  await db?.$disconnect();
  await app?.stop();
});

it("answers 403 and writes nothing while ACCOUNT_ALLOW_SIGNUP=false", async () => {
  expect(await postUser(app.url, { email: "closed@example.com" })).toMatchObject({
    status: 403,
    body: error(403, "Forbidden"),
  });
  expect(await db.email.count()).toBe(0);
});

it("answers 403 before looking at the body", async () => {
  const unreadable = await postUser(app.url, "not json at all", { "Content-Type": "text/plain" });

  expect(unreadable).toMatchObject({ status: 403, body: error(403, "Forbidden") });
  expect(unreadable.headers.get("x-request-id")).toBeTruthy();
});

it("answers the tRPC door with FORBIDDEN too", async () => {
  const answer = await callMutation(app.url, "users.create", { email: "closed@example.com" });

  expect(answer.status).toBe(403);
  expect(answer.body).toMatchObject({ error: { message: "Forbidden", data: { code: "FORBIDDEN" } } });
});

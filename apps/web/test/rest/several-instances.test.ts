import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { paths } from "@enroll/db/lifecycle";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { error, postUser } from "../support/rest.ts";

let apps: RunningApp[] = [];
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  // Three instances of the app on one empty database, started together: each one migrates on start.
  apps = await Promise.all([1, 2, 3].map(() => startApp(databaseUrl)));
});
afterAll(() => Promise.all(apps.map((app) => app.stop())));

it("applies every migration exactly once when they start together", async () => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
    `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations ORDER BY migration_name`,
  );
  await client.end();

  const committed = readdirSync(paths.migrations, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  expect(rows).toEqual(committed.map((name) => ({ migration_name: name, finished: true, rolled_back: false })));
});

it("lets exactly one of 20 concurrent requests for one address win across instances", async () => {
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => postUser(apps[i % apps.length]!.url, { email: "shared@example.com" })),
  );

  expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...Array(19).fill(409)]);
  expect(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body)).toEqual(
    Array(19).fill(error(409, "Conflict")),
  );
});

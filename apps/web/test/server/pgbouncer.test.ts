import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { startPgBouncer, type Daemon } from "../support/daemons.ts";
import { callMutation, postUser } from "../support/rest.ts";

let pgbouncer: Daemon;
let db: Database;
let app: RunningApp;
let databaseName: string;

beforeAll(async () => {
  const directUrl = await createEmptyDatabase(inject("postgresUrl"));
  databaseName = new URL(directUrl).pathname.slice(1);
  pgbouncer = await startPgBouncer(inject("postgresUrl"));
  const pooledUrl = new URL(directUrl);
  pooledUrl.port = new URL(pgbouncer.url).port;
  db = createDatabase(directUrl);
  // An empty database: the app migrates it through DATABASE_DIRECT_URL and serves through PgBouncer.
  app = await startApp(pooledUrl.toString(), { DATABASE_DIRECT_URL: directUrl });
});
afterAll(async () => {
  await app?.stop();
  await db?.$disconnect();
  await pgbouncer?.stop();
});

it("migrates through DATABASE_DIRECT_URL and signs up through PgBouncer in transaction mode", async () => {
  const [migrations] = await db.$queryRaw<{ applied: number }[]>`
    SELECT count(*)::int AS applied FROM _prisma_migrations WHERE finished_at IS NOT NULL`;
  expect(migrations!.applied).toBeGreaterThan(0);
  const before = await transactionsThroughPgBouncer();

  const key = randomUUID();
  const answers = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => postUser(app.url, { email: `pooled-${i}@example.com` })),
    ...Array.from({ length: 20 }, (_, i) => callMutation(app.url, "users.create", { email: `pooled-trpc-${i}@example.com` })),
    ...Array.from({ length: 5 }, () => postUser(app.url, { email: "pooled-race@example.com" })),
    postUser(app.url, { email: "pooled-keyed@example.com" }, { "Idempotency-Key": key }),
  ]);
  const retried = await postUser(app.url, { email: "pooled-keyed@example.com" }, { "Idempotency-Key": key });

  expect(answers.slice(0, 40).map((answer) => answer.status)).toEqual(Array(40).fill(200));
  expect(answers.slice(40, 45).map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409, 409]);
  expect(retried.body).toEqual(answers[45]!.body);
  expect(retried.headers.get("idempotent-replayed")).toBe("true");
  expect(await db.email.count({ where: { address: { startsWith: "pooled-" }, userId: { not: null } } })).toBe(42);
  expect(await transactionsThroughPgBouncer()).toBeGreaterThanOrEqual(before + 46);
});

/** The transactions PgBouncer has passed to the test database so far, from its admin console. */
async function transactionsThroughPgBouncer(): Promise<number> {
  const admin = new URL(pgbouncer.url);
  admin.pathname = "/pgbouncer";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ database: string; total_xact_count: string }>("SHOW STATS");
    return Number(rows.find((row) => row.database === databaseName)?.total_xact_count ?? 0);
  } finally {
    await client.end();
  }
}

import { randomUUID } from "node:crypto";
import { createTRPCClient, httpLink } from "@trpc/client";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppRouter } from "@enroll/api";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

let databaseUrl: string;
let db: Database;
let app: RunningApp;

beforeAll(async () => {
  databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  app = await startApp(databaseUrl);
});
afterAll(async () => {
  await app?.stop();
  await db?.$disconnect();
});

const withKey = (key: string) => ({ "Idempotency-Key": key });

describe("POST /users with an Idempotency-Key", () => {
  it("replays the first answer to the same key and body, with Idempotent-Replayed, and signs up once", async () => {
    const key = randomUUID();
    const first = await postUser(app.url, { email: "again@example.com" }, withKey(key));
    const retry = await postUser(app.url, { email: "again@example.com" }, withKey(key));

    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect({ status: retry.status, body: retry.body }).toEqual({ status: 200, body: first.body });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await db.user.count({ where: { emails: { some: { address: "again@example.com" } } } })).toBe(1);
  });

  it("answers 422 to the same key with another body, and writes nothing", async () => {
    const key = randomUUID();
    await postUser(app.url, { email: "one-body@example.com" }, withKey(key));

    const other = await postUser(app.url, { email: "another-body@example.com" }, withKey(key));

    expect(other.status).toBe(422);
    expect(other.body).toEqual(error(422, "This Idempotency-Key was already used with another request body"));
    expect(await db.email.count({ where: { address: "another-body@example.com" } })).toBe(0);
  });

  it("refuses a malformed key with a 400 in plain words", async () => {
    const answer = await postUser(app.url, { email: "bad-key@example.com" }, withKey("x".repeat(256)));

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(error(400, "Idempotency-Key must be 1 to 255 visible ASCII characters"));
  });
});

describe("users.create with an Idempotency-Key", () => {
  it("takes the key as an HTTP header, as httpLink's `headers` option sends it, and replays", async () => {
    const key = randomUUID();
    const client = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${app.url}/api/trpc`, headers: withKey(key) })],
    });

    const first = await client.users.create.mutate({ email: "trpc-again@example.com" });
    const replayed = await callMutation(app.url, "users.create", { email: "trpc-again@example.com" }, withKey(key));

    expect(replayed.body).toEqual({ result: { data: first } });
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    const other = await callMutation(app.url, "users.create", { email: "trpc-other@example.com" }, withKey(key));
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { data: { code: "UNPROCESSABLE_CONTENT" } } });
  });
});

it("gives a client whose answer was lost with the app (killed mid-request) its sign-up back on retry", async () => {
  const key = randomUUID();
  // Another transaction holds the address's index entry, so the app's sign-up waits in PostgreSQL.
  const blocker = new pg.Client({ connectionString: databaseUrl });
  await blocker.connect();
  await blocker.query("BEGIN");
  await blocker.query("INSERT INTO emails (address) VALUES ('lost-answer@example.com')");
  const blockerPid: number = (await blocker.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  const doomed = await startApp(databaseUrl);
  const lost = postUser(doomed.url, { email: "lost-answer@example.com" }, withKey(key)).catch((failure: Error) => failure);
  await until(async () => (await waitingOn(blockerPid)) > 0);

  process.kill(doomed.pid, "SIGKILL");
  expect(await lost).toBeInstanceOf(Error);
  await doomed.exited;
  // Released: the app's statement, still running in PostgreSQL, signs up and commits with no one to tell.
  await blocker.query("ROLLBACK");
  await blocker.end();
  await until(async () => (await db.email.findUnique({ where: { address: "lost-answer@example.com" } }))?.userId != null);

  const restarted = await startApp(databaseUrl);
  try {
    const retry = await postUser(restarted.url, { email: "lost-answer@example.com" }, withKey(key));
    const stored = await db.email.findUniqueOrThrow({ where: { address: "lost-answer@example.com" } });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ id: stored.userId, user_id: stored.userId, email_id: stored.id });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  } finally {
    await restarted.stop();
  }
});

/** How many statements wait for a lock that the backend `pid` holds (asked outside its transaction, whose view of pg_stat_activity stands still). */
async function waitingOn(pid: number): Promise<number> {
  const [row] = await db.$queryRaw<{ waiting: number }[]>`
    SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE ${pid}::int = ANY(pg_blocking_pids(pid))`;
  return row!.waiting;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

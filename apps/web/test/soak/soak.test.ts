import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, postUser, type Answer } from "../support/rest.ts";

/**
 * Many sign-ups on three instances of the app sharing one database, 30% of them for an address
 * already used (in another letter case), some sent twice with one Idempotency-Key; then the
 * database is checked in SQL. SOAK_SIGNUPS of them (300 in `pnpm test`; `pnpm soak` sends 6,000).
 */
const signUps = Number(process.env.SOAK_SIGNUPS ?? 300);
const concurrency = 32;

let db: Database;
let apps: RunningApp[] = [];

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  apps = await Promise.all([1, 2, 3].map(() => startApp(databaseUrl)));
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await db?.$disconnect();
});

interface Sent {
  address: string;
  key: string | undefined;
  answer: Answer;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const anyCase = (address: string) => [...address].map((c) => (Math.random() < 0.5 ? c.toUpperCase() : c)).join("");

/** One sign-up at a random instance and door; a tRPC answer's body is unwrapped to what REST would say. */
async function signUp(address: string, key: string | undefined): Promise<Answer> {
  const { url } = pick(apps);
  const headers: Record<string, string> = key ? { "Idempotency-Key": key } : {};
  if (Math.random() < 0.5) return postUser(url, { email: address }, headers);
  const answer = await callMutation(url, "users.create", { email: address }, headers);
  const { result, error } = answer.body as { result?: { data: unknown }; error?: { message: string; data: { httpStatus: number } } };
  return { ...answer, body: result ? result.data : { code: error!.data.httpStatus, message: error!.message } };
}

it(`keeps every address to exactly one 200 across ${signUps} sign-ups on three instances`, { timeout: 15 * 60_000 }, async () => {
  const used: string[] = [];
  const plan = Array.from({ length: signUps }, (_, i) => {
    const repeat = used.length > 0 && Math.random() < 0.3;
    const address = repeat ? anyCase(pick(used)) : `soak-${i}@example.com`;
    if (!repeat) used.push(address);
    return { address, key: Math.random() < 0.2 ? randomUUID() : undefined };
  });
  const sent: Sent[] = [];
  const retries: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plan.length) {
        const { address, key } = plan[next++]!;
        sent.push({ address: address.toLowerCase(), key, answer: await signUp(address, key) });
        // Every other keyed sign-up is retried, as a client that lost the answer would.
        if (key && Math.random() < 0.5) retries.push({ address: address.toLowerCase(), key, answer: await signUp(address, key) });
      }
    }),
  );

  const statuses = new Set([...sent, ...retries].map(({ answer }) => answer.status));
  expect([...statuses].filter((status) => status !== 200 && status !== 409)).toEqual([]);

  // Each address: exactly one 200, and it names the rows the database holds for it.
  const created = new Map<string, unknown>();
  for (const { address, answer } of sent) {
    if (answer.status !== 200) continue;
    expect(created.has(address), `a second 200 for ${address}`).toBe(false);
    created.set(address, answer.body);
  }
  expect(created.size).toBe(used.length);
  const rows = await db.$queryRaw<{ address: string; id: string; user_id: string; email_id: string }[]>`
    SELECT e.address, e.user_id AS id, e.user_id, e.id AS email_id FROM emails e`;
  expect(new Map(rows.map(({ address, ...ids }) => [address, ids]))).toEqual(created);

  // A retry with the key gets the first answer again.
  const firstByKey = new Map(sent.filter(({ key }) => key).map(({ key, answer }) => [key, answer]));
  for (const { key, answer } of retries) {
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: firstByKey.get(key)!.status,
      body: firstByKey.get(key)!.body,
    });
    expect(answer.headers.get("idempotent-replayed")).toBe("true");
  }

  // Nothing half-written anywhere.
  const [integrity] = await db.$queryRaw<Record<string, number>[]>`
    SELECT
      (SELECT count(*)::int FROM users) AS users,
      (SELECT count(*)::int FROM users u WHERE NOT EXISTS (SELECT FROM emails e WHERE e.user_id = u.id)) AS users_without_email,
      (SELECT count(*)::int FROM users u WHERE NOT EXISTS (SELECT FROM primary_emails p WHERE p.user_id = u.id)) AS users_without_primary,
      (SELECT count(*)::int FROM emails WHERE user_id IS NULL) AS emails_without_user,
      (SELECT count(*)::int FROM primary_emails p JOIN emails e ON e.id = p.email_id WHERE e.user_id <> p.user_id) AS primaries_of_another_user,
      (SELECT count(*)::int FROM idempotency_keys WHERE status = 200 AND NOT EXISTS (
         SELECT FROM emails e WHERE e.id = idempotency_keys.email_id AND e.user_id = idempotency_keys.user_id)) AS keys_naming_no_sign_up`;
  expect(integrity).toEqual({
    users: used.length,
    users_without_email: 0,
    users_without_primary: 0,
    emails_without_user: 0,
    primaries_of_another_user: 0,
    keys_naming_no_sign_up: 0,
  });
});

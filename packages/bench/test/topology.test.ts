/**
 * The scale-out topology of deploy/ at a small size: two instances behind HAProxy
 * (deploy/haproxy.cfg), PgBouncer in transaction pooling (deploy/pgbouncer.ini), the rate limit in
 * Redis, one PostgreSQL; the instances run with deploy/enroll.env.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkRows, openFreshDatabase, type BenchDatabase } from "../src/database.ts";
import { sendSignUps, SignUpLedger } from "../src/load.ts";
import { signUpsByOutcome, startSharedServices, startTopology, type SharedServices, type Topology } from "../src/topology.ts";

let database: BenchDatabase;
let services: SharedServices;

beforeAll(async () => {
  database = await openFreshDatabase(inject("postgresUrl"));
  services = await startSharedServices(database.url);
});
afterAll(async () => {
  await services?.stop();
  await database?.close();
});

const run = randomBytes(3).toString("hex");
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Two instances and HAProxy on the shared services, for one block of tests. */
function twoInstances(env: Record<string, string>): { topology: Topology } {
  const running = {} as { topology: Topology };
  beforeAll(async () => {
    running.topology = await startTopology(services, 2, { EMAIL_REQUIRE_VERIFICATION: "false", ...env });
  });
  afterAll(async () => {
    await running.topology?.stop();
  });
  return running;
}

describe("two instances under load", () => {
  const running = twoInstances({ RATE_LIMITER_SIGNUP_LIMIT: "1000000" });

  it("signs people up through HAProxy: every 200 is one person, no errors, and both instances served", async () => {
    const { topology } = running;
    const ledger = new SignUpLedger(`load-${run}-`, 0);
    const noWindow = { started: () => {}, ended: () => {} };
    const load = { connections: 8, warmupSeconds: 0.5, seconds: 2, expectedStatuses: [200] };

    const measurement = await sendSignUps(`${topology.url}/users`, ledger, load, noWindow);
    const rows = await checkRows(database.client, ledger);

    expect(measurement.errors).toBe(0);
    expect(rows).toMatchObject({ consistent: true });
    expect(rows.created).toBeGreaterThan(50);
    const created = (await Promise.all(topology.instances.map(signUpsByOutcome))).map((counts) => counts.created ?? 0);
    for (const count of created) expect(count).toBeGreaterThan(rows.signedUp / 4);
    expect(sum(created)).toBe(rows.signedUp);
  });

  // Last in this block: it kills an instance.
  it("loses no person when an instance is killed mid-load: HAProxy routes around it, retries with the key get the first answer", async () => {
    const { topology } = running;
    const prefix = `killed-${run}-`;
    const answers = new Map<string, { key: string } & Answered>();
    const signUp = async (email: string) => {
      const key = randomUUID();
      answers.set(email, { key, ...(await signUpUntilAnswered(topology.url, email, key)) });
    };

    // Four sign-ups that wait in PostgreSQL behind a transaction holding their addresses, sent one
    // after another, so that round robin gives two to the instance about to be killed.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    const blockerPid: number = (await blocker.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    await blocker.query("BEGIN");
    const held = [0, 1, 2, 3].map((i) => `${prefix}held-${i}@bench.example`);
    await blocker.query("INSERT INTO emails (address) SELECT unnest($1::text[])", [held]);
    const heldAnswers: Promise<void>[] = [];
    for (const [i, email] of held.entries()) {
      heldAnswers.push(signUp(email));
      await until(async () => (await waitingOn(blockerPid)) > i);
    }

    // Then the load, and the kill while it runs and while two of the four wait; they commit once
    // the addresses are free, with no one left to tell.
    let sent = 0;
    let killedAt = 0;
    let answeredAfterKill = 0;
    const deadline = Date.now() + 2000;
    const worker = async () => {
      while (Date.now() < deadline) {
        await signUp(`${prefix}${sent++}@bench.example`);
        if (killedAt && Date.now() > killedAt) answeredAfterKill++;
      }
    };
    const killer = async () => {
      await sleep(300);
      process.kill(topology.instances[1]!.pid, "SIGKILL");
      killedAt = Date.now();
      await sleep(200);
      await blocker.query("ROLLBACK");
      await blocker.end();
    };
    await Promise.all([killer(), ...heldAnswers, ...Array.from({ length: 8 }, worker)]);

    expect(answeredAfterKill).toBeGreaterThan(8);
    // A sign-up its instance died with was answered later, to its retry, from what it committed.
    expect(held.filter((email) => answers.get(email)!.attempts > 1 && answers.get(email)!.replayed).length).toBeGreaterThan(0);
    // Every address has exactly one person, the one its 200 named.
    const { rows } = await database.client.query<{ address: string; user_id: string }>(
      `SELECT e.address, u.id AS user_id FROM emails e JOIN users u ON u.id = e.user_id
         JOIN primary_emails p ON p.email_id = e.id AND p.user_id = u.id WHERE starts_with(e.address, $1)`,
      [prefix],
    );
    expect(rows).toHaveLength(answers.size);
    for (const row of rows) expect(answers.get(row.address)?.body.user_id).toBe(row.user_id);
    // Sent again with its key, a sign-up gets its first answer back, whichever instance answered it.
    const retried = [...answers].filter(([, answer]) => answer.attempts > 1);
    const sample = [...retried, ...[...answers].slice(0, 20)];
    for (const [email, { key, body }] of sample) {
      const again = await postUser(topology.url, { email }, { "Idempotency-Key": key });
      expect(again.status).toBe(200);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(again.body).toEqual(body);
    }
  });
});

describe("a rate limit across instances", () => {
  const running = twoInstances({ RATE_LIMITER_SIGNUP_LIMIT: "3" });

  it("is shared through Redis and keyed on the client's own address, which HAProxy forwards", async () => {
    const { topology } = running;
    const prefix = `limited-${run}-`;
    // Loopback clients of their own: 127.0.0.2 and 127.0.0.3 reach HAProxy, which reaches the
    // instances from 127.0.0.1.
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await postUser(topology.url, { email: `${prefix}a${i}@bench.example` }, {}, "127.0.0.2")).status);
    }
    const other = await postUser(topology.url, { email: `${prefix}b@bench.example` }, {}, "127.0.0.3");
    const spoofed = await postUser(topology.url, { email: `${prefix}c@bench.example` }, { "X-Forwarded-For": "203.0.113.7" }, "127.0.0.2");

    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    expect(other.status).toBe(200);
    expect(spoofed.status).toBe(429);
    // Both instances answered 127.0.0.2, and counted against one limit.
    const counts = await Promise.all(topology.instances.map(signUpsByOutcome));
    for (const count of counts) expect((count.created ?? 0) + (count.rate_limited ?? 0)).toBeGreaterThanOrEqual(4);
    expect(sum(counts.map((count) => count.created ?? 0))).toBe(4);
    // Each person is audited with the address the limit saw.
    const { rows } = await database.client.query<{ address: string; ip: string }>(
      `SELECT actor_email AS address, meta_source_ip AS ip FROM audit_logs
        WHERE type = 'user_created' AND starts_with(actor_email, $1) ORDER BY actor_email`,
      [prefix],
    );
    expect(rows).toEqual([
      { address: `${prefix}a0@bench.example`, ip: "127.0.0.2" },
      { address: `${prefix}a1@bench.example`, ip: "127.0.0.2" },
      { address: `${prefix}a2@bench.example`, ip: "127.0.0.2" },
      { address: `${prefix}b@bench.example`, ip: "127.0.0.3" },
    ]);
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** POST /users from `localAddress` (a loopback address of the test's choosing), on a connection of its own. */
function postUser(url: string, body: object, headers: Record<string, string> = {}, localAddress = "127.0.0.1"): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const sent = request(
      `${url}/users`,
      { method: "POST", localAddress, agent: false, headers: { "Content-Type": "application/json", ...headers } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        // HAProxy's own answers (502, 503) are HTML.
        const isJson = response.headers["content-type"]?.startsWith("application/json");
        response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: isJson ? JSON.parse(text) : text }));
        response.on("error", reject);
      },
    );
    sent.on("error", reject);
    sent.end(payload);
  });
}

interface Answered {
  body: { user_id: string };
  /** How many times it was sent. */
  attempts: number;
  /** The 200 was a replay of what an earlier attempt committed. */
  replayed: boolean;
}

/**
 * A careful client: signs `email` up with `key`, and sends it again with the same key for as long
 * as the answer is one that asks for it (502 from HAProxy for an instance that died while serving
 * it, 503, or the key's first request still running) or the connection broke.
 */
async function signUpUntilAnswered(url: string, email: string, key: string): Promise<Answered> {
  for (let attempts = 1; attempts <= 40; attempts++) {
    const answer = await postUser(url, { email }, { "Idempotency-Key": key }).catch(() => undefined);
    if (answer?.status === 200) {
      return { body: answer.body as Answered["body"], attempts, replayed: answer.headers["idempotent-replayed"] === "true" };
    }
    const retry =
      !answer ||
      answer.status === 502 ||
      answer.status === 503 ||
      (answer.status === 409 && JSON.stringify(answer.body).includes("still being processed"));
    if (!retry) throw new Error(`${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(100);
  }
  throw new Error(`${email}: no answer after 40 attempts`);
}

/** How many statements wait for a lock that the backend `pid` holds. */
async function waitingOn(pid: number): Promise<number> {
  const { rows } = await database.client.query<{ waiting: number }>(
    "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))",
    [pid],
  );
  return rows[0]!.waiting;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(20);
}

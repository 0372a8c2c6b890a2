import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { EmailTakenError } from "../src/errors.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { requestContext, signUpAt, type TestRequest } from "./support/request.ts";

let databaseUrl: string;
let db: Database;
let keys: SigningKeys;

/** The context of one request that sends `key` as its Idempotency-Key. */
const withKey = (key: string): TestRequest =>
  requestContext({ db, keys }, { headers: { "idempotency-key": key }, requestId: key, });

const counts = async () => ({
  users: await db.user.count(),
  emails: await db.email.count(),
  primaryEmails: await db.primaryEmail.count(),
  sessions: await db.session.count(),
});

beforeAll(async () => {
  databaseUrl = await createMigratedDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl);
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

describe("createUser under an Idempotency-Key", () => {
  it("replays the first answer to the same key and body, marked as replayed, and signs up and in once", async () => {
    const first = withKey("key-replay");
    const created = await signUpAt(first, { email: "replay@example.com" });
    const before = await counts();

    const again = withKey("key-replay");
    expect(await signUpAt(again, { email: "replay@example.com" })).toEqual(created);
    // The address's cookie again, but no second session: the first one's token cannot be given twice.
    expect(again.responseHeaders).toEqual({
      "Idempotent-Replayed": "true",
      "Set-Cookie": [expect.stringMatching(`^hanko_email_id=${created.email_id};`)],
    });
    expect(first.responseHeaders).toMatchObject({ "X-Session-Lifetime": "43200", "Set-Cookie": expect.any(Array) });
    expect(first.responseHeaders).not.toHaveProperty("Idempotent-Replayed");
    expect(await counts()).toEqual(before);
  });

  it("replays a first 409 as a 409, even once the address's owner is gone", async () => {
    await signUpAt(withKey("key-owner"), { email: "owned@example.com" });
    await expect(signUpAt(withKey("key-conflict"), { email: "owned@example.com" })).rejects.toBeInstanceOf(EmailTakenError);
    await db.user.deleteMany({ where: { emails: { some: { address: "owned@example.com" } } } });

    const again = withKey("key-conflict");
    await expect(signUpAt(again, { email: "owned@example.com" })).rejects.toBeInstanceOf(EmailTakenError);
    expect(again.responseHeaders).toEqual({ "Idempotent-Replayed": "true" });
  });

  it("answers 422 to the same key with another body, and writes nothing", async () => {
    await signUpAt(withKey("key-other-body"), { email: "first-body@example.com" });
    const before = await counts();

    await expect(signUpAt(withKey("key-other-body"), { email: "second-body@example.com" })).rejects.toMatchObject({
      status: 422,
      message: "This Idempotency-Key was already used with another request body",
    });
    expect(await counts()).toEqual(before);
  });

  it("answers 409 with a sentence while the key's first request is still running", async () => {
    // The first request waits on a row lock that another transaction holds on its address.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("INSERT INTO emails (address) VALUES ('held@example.com')");
    const blockerPid: number = (await blocker.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    const first = signUpAt(withKey("key-running"), { email: "held@example.com" });
    await waitForLockWait(blockerPid);

    await expect(signUpAt(withKey("key-running"), { email: "held@example.com" })).rejects.toMatchObject({
      status: 409,
      message: "A request with this Idempotency-Key is still being processed; retry once it has been answered",
    });
    await blocker.query("ROLLBACK");
    await blocker.end();
    const created = await first;

    const again = withKey("key-running");
    expect(await signUpAt(again, { email: "held@example.com" })).toEqual(created);
    expect(again.responseHeaders).toMatchObject({ "Idempotent-Replayed": "true" });
  });

  it("lets an expired key start afresh", async () => {
    await signUpAt(withKey("key-expired"), { email: "before-expiry@example.com" });
    await db.$executeRaw`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'key-expired'`;
    // Two keys that expired earlier are swept first, so this one is still stored when it is reused.
    await db.$executeRaw`
      INSERT INTO idempotency_keys (key, fingerprint, status, expires_at)
      SELECT 'older-' || n, '', 409, now() - interval '1 hour' FROM generate_series(1, 2) AS n`;

    const fresh = withKey("key-expired");
    const created = await signUpAt(fresh, { email: "after-expiry@example.com" });
    expect(fresh.responseHeaders).not.toHaveProperty("Idempotent-Replayed");
    expect(await db.email.findUnique({ where: { address: "after-expiry@example.com" } })).toMatchObject({
      id: created.email_id,
      userId: created.user_id,
    });
  });

  it("keeps every key for 24 hours and sweeps expired ones as new keys arrive", async () => {
    await db.$executeRaw`
      INSERT INTO idempotency_keys (key, fingerprint, status, expires_at)
      SELECT 'stale-' || n, '', 409, now() - interval '1 hour' FROM generate_series(1, 2) AS n`;
    await signUpAt(withKey("key-sweeper"), { email: "sweeper@example.com" });

    const [row] = await db.$queryRaw<{ lifetime: number }[]>`
      SELECT extract(epoch FROM expires_at - created_at)::int AS lifetime FROM idempotency_keys WHERE key = 'key-sweeper'`;
    expect(Math.abs(row!.lifetime - 24 * 3600)).toBeLessThan(5);
    expect(await db.idempotencyKey.count({ where: { key: { startsWith: "stale-" } } })).toBe(0);
  });

  it("refuses a key that is empty, too long or not visible ASCII with a 400", async () => {
    for (const key of ["", "x".repeat(256), "with space", "ключ"]) {
      await expect(signUpAt(withKey(key), { email: "bad-key@example.com" })).rejects.toMatchObject({
        status: 400,
        message: "Idempotency-Key must be 1 to 255 visible ASCII characters",
      });
    }
    expect(await db.email.count({ where: { address: "bad-key@example.com" } })).toBe(0);
  });
});

/**
 * Until a statement waits for a lock that the backend `pid` holds; asked outside that backend's
 * transaction, whose view of pg_stat_activity stands still.
 */
async function waitForLockWait(pid: number): Promise<void> {
  for (;;) {
    const [row] = await db.$queryRaw<{ waiting: number }[]>`
      SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE ${pid}::int = ANY(pg_blocking_pids(pid))`;
    if (row!.waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

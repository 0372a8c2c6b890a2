import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { loadConfig, planSignUp, signUpStatement } from "@enroll/api";
import { checkRows, openFreshDatabase, type BenchDatabase } from "../src/database.ts";
import { SignUpLedger } from "../src/load.ts";

let database: BenchDatabase;
// The bench's sign-ups sign in at once (src/main.ts): verification off, whatever the default.
const config = loadConfig({ EMAIL_REQUIRE_VERIFICATION: "false" });

beforeEach(async () => {
  database = await openFreshDatabase(inject("postgresUrl"));
});
afterEach(() => database.close());

async function signUp(email: string): Promise<void> {
  const requester = { requestId: randomUUID(), address: "127.0.0.1", userAgent: "bench" };
  const session = { id: randomUUID(), userAgent: "bench", ipAddress: "127.0.0.1" };
  const statement = signUpStatement(planSignUp(config, { userId: randomUUID(), email, requester, session }));
  await database.client.query(statement.text, statement.values);
}

describe("checkRows", () => {
  it("finds every 200 as one complete sign-up", async () => {
    const ledger = new SignUpLedger("rows-0-", 0);
    for (let i = 0; i < 3; i++) {
      const address = ledger.nextAddress();
      await signUp(address);
      ledger.record(address, 200);
    }

    expect(await checkRows(database.client, ledger)).toEqual({
      created: 3,
      signedUp: 3,
      signedUpAndAnswered: 3,
      unanswered: 0,
      consistent: true,
    });
  });

  it("allows a sign-up whose answer was never read, but not more of them than went unanswered", async () => {
    const ledger = new SignUpLedger("rows-1-", 0);
    const [answered, cutOff] = [ledger.nextAddress(), ledger.nextAddress()];
    await signUp(answered);
    await signUp(cutOff);
    ledger.record(answered, 200);

    expect(await checkRows(database.client, ledger)).toMatchObject({ signedUp: 2, unanswered: 1, consistent: true });

    ledger.record(cutOff, 409);
    expect(await checkRows(database.client, ledger)).toMatchObject({ unanswered: 0, consistent: false });
  });

  it("fails a 200 that left no rows", async () => {
    const ledger = new SignUpLedger("rows-2-", 0);
    ledger.record(ledger.nextAddress(), 200);

    expect(await checkRows(database.client, ledger)).toMatchObject({ created: 1, signedUp: 0, consistent: false });
  });

  it("fails two 200s for one address", async () => {
    const ledger = new SignUpLedger("rows-3-", 0);
    const address = ledger.nextAddress();
    await signUp(address);
    ledger.record(address, 200);
    ledger.record(address, 200);

    expect(await checkRows(database.client, ledger)).toMatchObject({
      created: 2,
      signedUpAndAnswered: 1,
      consistent: false,
    });
  });

  it("fails when the database holds a partial sign-up", async () => {
    const ledger = new SignUpLedger("rows-4-", 0);
    await database.client.query("INSERT INTO users (id) VALUES ($1)", [randomUUID()]);

    expect(await checkRows(database.client, ledger)).toMatchObject({ consistent: false });
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { EmailTakenError } from "../src/errors.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { requestContext, signUpAt, type TestRequest } from "./support/request.ts";

let db: Database;
let keys: SigningKeys;

/** One sign-up request from 192.0.2.10 with the request id and settings given. */
function signUpRequest(
  requestId: string,
  settings: Record<string, string> = {},
  headers: Record<string, string> = {},
): TestRequest {
  return requestContext({ db, keys }, { headers: { "user-agent": "AuditTest/1.0", ...headers }, settings, requestId, clientAddress: "192.0.2.10" });
}

const entriesOf = (requestId: string) => db.auditLog.findMany({ where: { metaHttpRequestId: requestId } });

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

describe("the user_created audit entry", () => {
  it("is written with the sign-up: its request id, client address and user agent, the new user and its address as actor", async () => {
    const created = await signUpAt(signUpRequest("audit-new"), { email: "audited@example.com" });

    expect(await entriesOf("audit-new")).toEqual([
      expect.objectContaining({
        type: "user_created",
        error: null,
        metaHttpRequestId: "audit-new",
        metaSourceIp: "192.0.2.10",
        metaUserAgent: "AuditTest/1.0",
        actorUserId: created.user_id,
        actorEmail: "audited@example.com",
      }),
    ]);
  });

  it("is not written for an address that is taken", async () => {
    await signUpAt(signUpRequest("audit-first"), { email: "audit-taken@example.com" });

    await expect(signUpAt(signUpRequest("audit-taken"), { email: "audit-taken@example.com" })).rejects.toBeInstanceOf(
      EmailTakenError,
    );
    expect(await entriesOf("audit-taken")).toEqual([]);
  });

  it("is written once for an Idempotency-Key, not again when its answer is replayed", async () => {
    const key = { "idempotency-key": "audit-key" };
    const created = await signUpAt(signUpRequest("audit-keyed-1", {}, key), { email: "audit-keyed@example.com" });
    await signUpAt(signUpRequest("audit-keyed-2", {}, key), { email: "audit-keyed@example.com" });

    expect(await db.auditLog.findMany({ where: { actorUserId: created.user_id } })).toEqual([
      expect.objectContaining({ metaHttpRequestId: "audit-keyed-1" }),
    ]);
  });

  it("names the new user as actor with no address when verification is required, once per repeat", async () => {
    const verifying = { EMAIL_REQUIRE_VERIFICATION: "true" };
    const first = await signUpAt(signUpRequest("audit-unverified-1", verifying), { email: "audit-unverified@example.com" });
    const second = await signUpAt(signUpRequest("audit-unverified-2", verifying), { email: "audit-unverified@example.com" });

    expect([...(await entriesOf("audit-unverified-1")), ...(await entriesOf("audit-unverified-2"))]).toEqual([
      expect.objectContaining({ type: "user_created", actorUserId: first.user_id, actorEmail: null }),
      expect.objectContaining({ type: "user_created", actorUserId: second.user_id, actorEmail: null }),
    ]);
  });

  it("keeps at most 255 characters of the user agent", async () => {
    await signUpAt(signUpRequest("audit-long-agent", {}, { "user-agent": "x".repeat(1_000) }), {
      email: "audit-agent@example.com",
    });

    expect((await entriesOf("audit-long-agent"))[0]!.metaUserAgent).toBe("x".repeat(255));
  });

  it("is not stored with AUDIT_LOG_STORAGE_ENABLED=false, and the sign-up still happens", async () => {
    const created = await signUpAt(signUpRequest("audit-off", { AUDIT_LOG_STORAGE_ENABLED: "false" }), {
      email: "audit-off@example.com",
    });

    expect(await db.user.count({ where: { id: created.user_id } })).toBe(1);
    expect(await entriesOf("audit-off")).toEqual([]);
  });

  it("shares the sign-up's transaction: when the entry cannot be written, neither is the user", async () => {
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_audit_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit entry refused'; END $$`);
    await db.$executeRawUnsafe(
      "CREATE TRIGGER refuse_audit_entry BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION refuse_audit_entry()",
    );
    try {
      await expect(signUpAt(signUpRequest("audit-refused"), { email: "audit-refused@example.com" })).rejects.toThrow(
        "audit entry refused",
      );
      expect(await db.email.count({ where: { address: "audit-refused@example.com" } })).toBe(0);
    } finally {
      await db.$executeRawUnsafe("DROP TRIGGER refuse_audit_entry ON audit_logs");
    }
  });
});

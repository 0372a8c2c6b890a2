import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { EmailTakenError } from "../src/errors.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { requestContext, signUpAt, type TestRequest } from "./support/request.ts";

let db: Database;
let keys: SigningKeys;

/** One request's context with EMAIL_REQUIRE_VERIFICATION as given, and `idempotencyKey` when there is one. */
const signUpRequest = (requireVerification: boolean, idempotencyKey?: string): TestRequest =>
  requestContext(
    { db, keys },
    { headers: { "idempotency-key": idempotencyKey }, settings: { EMAIL_REQUIRE_VERIFICATION: String(requireVerification) } },
  );

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

describe("createUser with EMAIL_REQUIRE_VERIFICATION=true", () => {
  it("creates a user but leaves the address unowned, with no primary email, and sets only hanko_email_id", async () => {
    const context = signUpRequest(true);
    const created = await signUpAt(context, { email: "unverified@example.com" });

    expect(created).toEqual({ id: created.user_id, user_id: expect.any(String), email_id: expect.any(String) });
    expect(await db.user.findUnique({ where: { id: created.user_id } })).not.toBeNull();
    expect(await db.email.findUniqueOrThrow({ where: { id: created.email_id } })).toMatchObject({
      address: "unverified@example.com",
      userId: null,
      verified: false,
    });
    expect(await db.primaryEmail.count({ where: { userId: created.user_id } })).toBe(0);
    expect(context.responseHeaders).toEqual({
      "Set-Cookie": [`hanko_email_id=${created.email_id}; Path=/; HttpOnly; Secure; SameSite=None`],
    });
  });

  it("answers every repeat of an address with a new user and the same email id", async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await signUpAt(signUpRequest(true), { email: "again@example.com" }));

    expect(new Set(answers.map((answer) => answer.user_id)).size).toBe(3);
    expect(new Set(answers.map((answer) => answer.email_id)).size).toBe(1);
    expect(await db.email.count({ where: { address: "again@example.com" } })).toBe(1);
  });

  it("gives concurrent sign-ups for one new address one email row, each with its own user", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => signUpAt(signUpRequest(true), { email: "crowd@example.com" })),
    );

    expect(new Set(answers.map((answer) => answer.email_id)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.user_id)).size).toBe(10);
  });

  it("still refuses an address that a user owns, writing nothing", async () => {
    await signUpAt(signUpRequest(false), { email: "owned-already@example.com" });
    const users = await db.user.count();

    await expect(signUpAt(signUpRequest(true), { email: "owned-already@example.com" })).rejects.toBeInstanceOf(
      EmailTakenError,
    );
    expect(await db.user.count()).toBe(users);
  });

  it("leaves a reserved address to the first sign-up once verification is off, as the reference does", async () => {
    const reserved = await signUpAt(signUpRequest(true), { email: "reserved@example.com" });

    const claimed = await signUpAt(signUpRequest(false), { email: "reserved@example.com" });

    expect(claimed.email_id).toBe(reserved.email_id);
    expect(claimed.user_id).not.toBe(reserved.user_id);
    expect(await db.email.findUniqueOrThrow({ where: { id: reserved.email_id } })).toMatchObject({ userId: claimed.user_id });
  });

  it("replays the first answer to an Idempotency-Key, cookie included, without another user", async () => {
    const created = await signUpAt(signUpRequest(true, "verification-key"), { email: "keyed@example.com" });
    const users = await db.user.count();

    const retry = signUpRequest(true, "verification-key");
    expect(await signUpAt(retry, { email: "keyed@example.com" })).toEqual(created);
    expect(retry.responseHeaders).toEqual({
      "Idempotent-Replayed": "true",
      "Set-Cookie": [`hanko_email_id=${created.email_id}; Path=/; HttpOnly; Secure; SameSite=None`],
    });
    expect(await db.user.count()).toBe(users);
  });
});

describe("createUser with EMAIL_REQUIRE_VERIFICATION=false", () => {
  it("gives the address to the new user, with a primary email", async () => {
    const created = await signUpAt(signUpRequest(false), { email: "verified-off@example.com" });

    expect(await db.email.findUniqueOrThrow({ where: { id: created.email_id } })).toMatchObject({ userId: created.user_id });
    expect(await db.primaryEmail.findUnique({ where: { userId: created.user_id } })).toMatchObject({
      emailId: created.email_id,
    });
  });
});

import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { loadConfig } from "../src/config/index.ts";
import { EmailTakenError, SignUpDisabledError } from "../src/errors.ts";
import type { Services } from "../src/http/services.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { admitSignUp } from "../src/users/sign-up.ts";
import { requestContext, signUpAt } from "./support/request.ts";

let db: Database;
let keys: SigningKeys;
const context = (allowSignup = true): Services => ({
  db,
  keys,
  config: loadConfig({ ACCOUNT_ALLOW_SIGNUP: String(allowSignup), EMAIL_REQUIRE_VERIFICATION: "false" }),
});

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

describe("createUser", () => {
  it("writes the user, its unverified email and its primary email in one go", async () => {
    const created = await signUpAt(context(), { email: "new@example.com" });

    expect(created.id).toBe(created.user_id);
    const user = await db.user.findUniqueOrThrow({
      where: { id: created.user_id },
      include: { emails: true, primaryEmail: true },
    });
    expect(user.emails).toEqual([
      expect.objectContaining({ id: created.email_id, address: "new@example.com", verified: false }),
    ]);
    expect(user.primaryEmail).toEqual(expect.objectContaining({ emailId: created.email_id, userId: user.id }));
  });

  it("refuses an address another user owns and writes nothing", async () => {
    await signUpAt(context(), { email: "taken@example.com" });
    const usersBefore = await db.user.count();

    await expect(signUpAt(context(), { email: "taken@example.com" })).rejects.toBeInstanceOf(EmailTakenError);
    expect(await db.user.count()).toBe(usersBefore);
    expect(await db.email.count({ where: { address: "taken@example.com" } })).toBe(1);
  });

  it("gives an address that no user owns yet to the new user", async () => {
    const orphan = await db.email.create({ data: { address: "unowned@example.com" } });

    const created = await signUpAt(context(), { email: "unowned@example.com" });

    expect(created.email_id).toBe(orphan.id);
    expect(await db.email.findUniqueOrThrow({ where: { id: orphan.id } })).toMatchObject({
      userId: created.user_id,
      verified: false,
    });
    expect(await db.primaryEmail.findUnique({ where: { userId: created.user_id } })).toMatchObject({
      emailId: orphan.id,
    });
  });

  it("lets exactly one of many concurrent sign-ups for one address win", async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, () => signUpAt(context(), { email: "race@example.com" })),
    );

    const won = attempts.filter((attempt) => attempt.status === "fulfilled");
    const lost = attempts.filter((attempt) => attempt.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost.map((attempt) => attempt.reason)).toEqual(Array(19).fill(expect.any(EmailTakenError)));
    expect(await db.email.count({ where: { address: "race@example.com" } })).toBe(1);
    expect(await db.user.count({ where: { emails: { some: { address: "race@example.com" } } } })).toBe(1);
  });

  it("is not admitted while sign-up is disabled, so a door that admits first writes nothing", async () => {
    const admittedSignUp = async (services: Services) => {
      await admitSignUp(services, { requestId: "closed", address: "192.0.2.7", userAgent: undefined });
      return signUpAt(services, { email: "closed@example.com" });
    };

    await expect(admittedSignUp(context(false))).rejects.toBeInstanceOf(SignUpDisabledError);
    expect(await db.email.count({ where: { address: "closed@example.com" } })).toBe(0);
  });

  it("sends its statement before it signs the session's token, so that the token is signed while the database works", async () => {
    const events: string[] = [];
    const { write } = Socket.prototype;
    const spiedWrite: typeof write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (String(chunk).includes("INSERT INTO sessions")) events.push("statement sent");
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    };
    const signing: SigningKeys = { ...keys, sign: (...args) => (events.push("token signed"), keys.sign(...args)) };
    Socket.prototype.write = spiedWrite;
    try {
      await signUpAt(requestContext({ db, keys: signing }), { email: "in-flight@example.com" });
      await signUpAt(requestContext({ db, keys: signing }, { headers: { "idempotency-key": "in-flight" } }), { email: "in-flight-once@example.com" });
    } finally {
      Socket.prototype.write = write;
    }

    expect(events).toEqual(["statement sent", "token signed", "statement sent", "token signed"]);
  });
});

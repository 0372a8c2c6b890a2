import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase, createMigratedDatabase } from "@enroll/db/testing";
import { loadConfig } from "../src/config/index.ts";
import type { Services } from "../src/http/services.ts";
import { log } from "../src/log.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { appRouter, createCaller } from "../src/trpc/root.ts";

let db: Database;
let keys: SigningKeys;
const caller = (allowSignup = true) =>
  createCaller({ services: { db, keys, config: loadConfig({ ACCOUNT_ALLOW_SIGNUP: String(allowSignup), EMAIL_REQUIRE_VERIFICATION: "false" }) } });

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

async function failureOf(call: Promise<unknown>): Promise<Pick<TRPCError, "code" | "message">> {
  const error = await call.then(
    () => expect.unreachable("the call succeeded"),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(TRPCError);
  const { code, message } = error as TRPCError;
  return { code, message };
}

describe("users.create", () => {
  it("creates a user from a lower-cased address", async () => {
    const created = await caller().users.create({ email: "Mixed.Case@Example.COM" });

    expect(created).toEqual({ id: created.user_id, user_id: expect.any(String), email_id: expect.any(String) });
    expect(await db.email.findUniqueOrThrow({ where: { id: created.email_id } })).toMatchObject({
      address: "mixed.case@example.com",
    });
  });

  it("answers an address that is taken in any letter case with CONFLICT", async () => {
    await caller().users.create({ email: "once@example.com" });

    expect(await failureOf(caller().users.create({ email: "ONCE@example.com" }))).toEqual({
      code: "CONFLICT",
      message: "Conflict",
    });
  });

  it.each([
    [{ email: "" }, "email is a required field"],
    [{}, "email is a required field"],
    [{ email: "user@localhost" }, "email must be a valid email address"],
    [{ email: 123 }, "email must be a string"],
  ])("answers %j with BAD_REQUEST and a plain sentence", async (input, message) => {
    expect(await failureOf(caller().users.create(input as never))).toEqual({ code: "BAD_REQUEST", message });
  });

  it("answers FORBIDDEN before looking at the input while sign-up is disabled", async () => {
    expect(await failureOf(caller(false).users.create({ email: "not an address" }))).toEqual({
      code: "FORBIDDEN",
      message: "Forbidden",
    });
  });

  describe("on an unexpected failure", () => {
    // A database without the tables: every sign-up fails inside PostgreSQL.
    const brokenContext = { config: loadConfig({ EMAIL_REQUIRE_VERIFICATION: "false" }) } as Services;
    const serverLog = vi.spyOn(log, "error").mockImplementation(() => {});
    beforeAll(async () => {
      brokenContext.db = createDatabase(await createEmptyDatabase(inject("postgresUrl")));
      brokenContext.keys = keys;
    });
    afterAll(async () => {
      serverLog.mockRestore();
      await brokenContext.db.$disconnect();
    });

    it("answers with a bare INTERNAL_SERVER_ERROR and logs the cause on the server", async () => {
      const call = createCaller({ services: brokenContext }).users.create({ email: "fine@example.com" });

      expect(await failureOf(call)).toEqual({ code: "INTERNAL_SERVER_ERROR", message: "Internal Server Error" });
      // The sign-up's statement runs through Prisma's adapter, whose error names PostgreSQL's failure.
      expect(serverLog).toHaveBeenCalledExactlyOnceWith(
        { err: expect.objectContaining({ name: "DriverAdapterError", cause: expect.objectContaining({ kind: "TableDoesNotExist" }) }) },
        "Unexpected failure",
      );
    });

    it("sends no stack or cause over HTTP, even outside production", async () => {
      expect(process.env.NODE_ENV).not.toBe("production");
      const response = await fetchRequestHandler({
        endpoint: "/api/trpc",
        req: new Request("http://localhost/api/trpc/users.create", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email: "fine@example.com" }),
        }),
        router: appRouter,
        createContext: () => ({ services: brokenContext }),
      });

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: {
          code: -32603,
          message: "Internal Server Error",
          data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "users.create" },
        },
      });
    });
  });

  it("answers SERVICE_UNAVAILABLE when the database cannot be reached", async () => {
    const unreachable = createDatabase("postgresql://nobody:wrong@127.0.0.1:1/none");
    const warnings = vi.spyOn(log, "warn").mockImplementation(() => {});
    try {
      const call = createCaller({ services: { db: unreachable, keys, config: loadConfig({ EMAIL_REQUIRE_VERIFICATION: "false" }) } }).users.create({ email: "fine@example.com" });

      expect(await failureOf(call)).toEqual({ code: "SERVICE_UNAVAILABLE", message: "Service Unavailable" });
      expect(warnings).toHaveBeenCalledOnce();
    } finally {
      warnings.mockRestore();
      await unreachable.$disconnect();
    }
  });
});

import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { loadConfig } from "../src/config/index.ts";
import { EmailTakenError } from "../src/errors.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { callerAt, requestContext, signUpAt, type TestRequest } from "./support/request.ts";

let db: Database;
let keys: SigningKeys;

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

/** The context of one request with these headers, under `settings`. */
function requestWith(headers: Record<string, string> = {}, settings: Record<string, string> = {}): TestRequest {
  return requestContext({ db, keys }, { headers, settings });
}

function tokenIn(context: TestRequest): string {
  const cookie = [context.responseHeaders["Set-Cookie"]].flat().find((line) => line?.startsWith("hanko="));
  return /^hanko=([^;]+)/.exec(cookie!)![1]!;
}

describe("the session of a sign-up", () => {
  it("is written in the sign-up's statement and named by a token with the configured claims", async () => {
    const context = requestWith({ "user-agent": "unit/1.0" }, { SESSION_LIFESPAN: "30m", SESSION_AUDIENCE: "a.example,b.example", SESSION_ISSUER: "https://enroll.example" });
    const created = await signUpAt(context, { email: "claims@example.com" });

    const claims = decodeJwt(tokenIn(context));
    expect(claims).toMatchObject({
      sub: created.user_id,
      aud: ["a.example", "b.example"],
      iss: "https://enroll.example",
      email: { address: "claims@example.com", is_primary: true, is_verified: false },
    });
    expect(claims.exp! - claims.iat!).toBe(1_800);
    expect(context.responseHeaders["X-Session-Lifetime"]).toBe("1800");
    await expect(db.session.findUniqueOrThrow({ where: { id: claims.session_id as string } })).resolves.toMatchObject({
      userId: created.user_id,
      userAgent: "unit/1.0",
      ipAddress: "192.0.2.7",
    });
  });

  it("is not started for an address another user owns", async () => {
    await signUpAt(requestWith(), { email: "owned-once@example.com" });
    const before = await db.session.count();
    const refused = requestWith();

    await expect(signUpAt(refused, { email: "owned-once@example.com" })).rejects.toBeInstanceOf(EmailTakenError);
    expect(await db.session.count()).toBe(before);
    expect(refused.responseHeaders).toEqual({});
  });

  it("is not started for an in-process caller, which has nowhere to keep a token", async () => {
    const before = await db.session.count();
    await signUpAt({ db, keys, config: loadConfig({ EMAIL_REQUIRE_VERIFICATION: "false" }) }, { email: "in-process@example.com" });
    expect(await db.session.count()).toBe(before);
  });

  it("makes a sign-up delete expired sessions, so the table keeps only about the live ones", async () => {
    await signUpAt(requestWith(), { email: "soon-expired@example.com" });
    await db.$executeRaw`UPDATE sessions SET expires_at = now() - interval '1 second'`;
    const expired = await db.session.count();

    await signUpAt(requestWith(), { email: "sweeper@example.com" });

    expect(await db.session.count({ where: { expiresAt: { lte: new Date() } } })).toBe(Math.max(expired - 2, 0));
  });

  it("is refused, with SESSION_ISSUER set, when its token names another issuer or none", async () => {
    const issuer = { SESSION_ISSUER: "https://enroll.example" };
    const signedUp = requestWith({}, issuer);
    const created = await signUpAt(signedUp, { email: "issuer@example.com" });
    const { session_id: sessionId } = decodeJwt(tokenIn(signedUp));
    const claims = { sub: created.user_id, session_id: sessionId, aud: ["localhost"] };
    const me = (token: string) => callerAt(requestWith({ authorization: `Bearer ${token}` }, issuer)).auth.me();

    await expect(me(tokenIn(signedUp))).resolves.toMatchObject({ id: created.user_id });
    for (const iss of [{ iss: "https://elsewhere.example" }, {}]) {
      const token = keys.sign({ ...claims, ...iss }, { expiresInSeconds: 60 });
      await expect(me(token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
  });

  it("is revoked by auth.logout: auth.me refuses its token afterwards with UNAUTHORIZED", async () => {
    const signedUp = requestWith();
    const created = await signUpAt(signedUp, { email: "logout@example.com" });
    const caller = () => callerAt(requestWith({ cookie: `hanko=${tokenIn(signedUp)}` }));

    await expect(caller().auth.me()).resolves.toEqual({ id: created.user_id, email: "logout@example.com" });
    await caller().auth.logout();
    await expect(caller().auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED", message: "Unauthorized" });
  });
});

import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import {
  createCaller,
  createUser,
  EmailTakenError,
  fetchHandler,
  handleLogout,
  handleMe,
  loadConfig,
  openSigningKeys,
  type Context,
  type SigningKeys,
} from "../src/index.ts";
import { requestContext } from "./support/request.ts";

let db: Database;
let keys: SigningKeys;

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

/** The context of one request with these headers, under `settings`. */
function requestWith(headers: Record<string, string> = {}, settings: Record<string, string> = {}): Context {
  return requestContext({ db, keys }, { headers, settings });
}

function tokenIn(context: Context): string {
  const cookie = [context.request!.responseHeaders["Set-Cookie"]].flat().find((line) => line?.startsWith("hanko="));
  return /^hanko=([^;]+)/.exec(cookie!)![1]!;
}

describe("the session of a sign-up", () => {
  it("is written in the sign-up's statement and named by a token with the configured claims", async () => {
    const context = requestWith({ "user-agent": "unit/1.0" }, { SESSION_LIFESPAN: "30m", SESSION_AUDIENCE: "a.example,b.example", SESSION_ISSUER: "https://enroll.example" });
    const created = await createUser(context, { email: "claims@example.com" });

    const claims = decodeJwt(tokenIn(context));
    expect(claims).toMatchObject({
      sub: created.user_id,
      aud: ["a.example", "b.example"],
      iss: "https://enroll.example",
      email: { address: "claims@example.com", is_primary: true, is_verified: false },
    });
    expect(claims.exp! - claims.iat!).toBe(1_800);
    expect(context.request!.responseHeaders["X-Session-Lifetime"]).toBe("1800");
    await expect(db.session.findUniqueOrThrow({ where: { id: claims.session_id as string } })).resolves.toMatchObject({
      userId: created.user_id,
      userAgent: "unit/1.0",
      ipAddress: "192.0.2.7",
    });
  });

  it("is not started for an address another user owns", async () => {
    await createUser(requestWith(), { email: "owned-once@example.com" });
    const before = await db.session.count();
    const refused = requestWith();

    await expect(createUser(refused, { email: "owned-once@example.com" })).rejects.toBeInstanceOf(EmailTakenError);
    expect(await db.session.count()).toBe(before);
    expect(refused.request!.responseHeaders).toEqual({});
  });

  it("is not started for an in-process caller, which has nowhere to keep a token", async () => {
    const before = await db.session.count();
    await createUser({ db, keys, config: loadConfig({}) }, { email: "in-process@example.com" });
    expect(await db.session.count()).toBe(before);
  });

  it("makes a sign-up delete expired sessions, so the table keeps only about the live ones", async () => {
    await createUser(requestWith(), { email: "soon-expired@example.com" });
    await db.$executeRaw`UPDATE sessions SET expires_at = now() - interval '1 second'`;
    const expired = await db.session.count();

    await createUser(requestWith(), { email: "sweeper@example.com" });

    expect(await db.session.count({ where: { expiresAt: { lte: new Date() } } })).toBe(Math.max(expired - 2, 0));
  });

  it("is refused, with SESSION_ISSUER set, when its token names another issuer or none", async () => {
    const issuer = { SESSION_ISSUER: "https://enroll.example" };
    const signedUp = requestWith({}, issuer);
    const created = await createUser(signedUp, { email: "issuer@example.com" });
    const { session_id: sessionId } = decodeJwt(tokenIn(signedUp));
    const claims = { sub: created.user_id, session_id: sessionId, aud: ["localhost"] };
    const me = (token: string) => createCaller(requestWith({ authorization: `Bearer ${token}` }, issuer)).auth.me();

    await expect(me(tokenIn(signedUp))).resolves.toMatchObject({ id: created.user_id });
    for (const iss of [{ iss: "https://elsewhere.example" }, {}]) {
      const token = await keys.sign({ ...claims, ...iss }, { expiresInSeconds: 60 });
      await expect(me(token)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
  });

  it("is revoked by auth.logout: auth.me refuses its token afterwards with UNAUTHORIZED", async () => {
    const signedUp = requestWith();
    const created = await createUser(signedUp, { email: "logout@example.com" });
    const caller = () => createCaller(requestWith({ cookie: `hanko=${tokenIn(signedUp)}` }));

    await expect(caller().auth.me()).resolves.toEqual({ id: created.user_id, email: "logout@example.com" });
    await caller().auth.logout();
    await expect(caller().auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED", message: "Unauthorized" });
  });
});

describe("the session routes as Fetch route handlers (Next.js alone)", () => {
  it("answer /me, then /logout with a 204 that has no body and clears the cookie", async () => {
    const signedUp = requestWith();
    const created = await createUser(signedUp, { email: "fetch-door@example.com" });
    const context = { db, keys, config: loadConfig({}) };
    const headers = { cookie: `hanko=${tokenIn(signedUp)}` };

    const me = await fetchHandler(handleMe, () => context)(new Request("http://enroll.test/me", { headers }));
    expect([me.status, await me.json()]).toEqual([200, { id: created.user_id }]);

    const logout = await fetchHandler(handleLogout, () => context)(new Request("http://enroll.test/logout", { method: "POST", headers }));
    expect(logout.status).toBe(204);
    expect(await logout.text()).toBe("");
    expect(logout.headers.getSetCookie()).toEqual(["hanko=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict"]);
    expect((await fetchHandler(handleMe, () => context)(new Request("http://enroll.test/me", { headers }))).status).toBe(401);
  });
});

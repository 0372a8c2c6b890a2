import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { AdminUser, AuditLogEntry } from "@enroll/validators";
import { webhookReceiverForFile } from "../support/webhooks.ts";
import { appOnFreshDatabase } from "../support/app.ts";
import { error, postUser, send, type Answer } from "../support/rest.ts";

const webhooks = webhookReceiverForFile(["user.delete"]);

const running = appOnFreshDatabase(webhooks.settings);

/** One request to the admin listener; every answer is held against the admin listener's own document. */
const admin = (path: string, init: RequestInit = {}) => send(running.app.adminUrl, path, init);

const postAdmin = (body: unknown, headers: Record<string, string> = {}) =>
  admin("/users", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function createdUser(address: string, extra: Record<string, unknown> = {}): Promise<AdminUser> {
  const answer = await postAdmin({ emails: [{ address, is_primary: true }], ...extra });
  expect(answer.status).toBe(200);
  return answer.body as AdminUser;
}

/** A sign-up at the public door, and the session token it started. */
async function signUp(email: string): Promise<{ userId: string; token: string }> {
  const answer = await postUser(running.app.url, { email });
  expect(answer.status).toBe(200);
  const token = /hanko=([^;]+)/.exec(answer.headers.get("set-cookie") ?? "")![1]!;
  return { userId: (answer.body as { user_id: string }).user_id, token };
}

const me = (token: string) => send(running.app.url, "/me", { headers: { Authorization: `Bearer ${token}` } });

describe("POST /users on the admin listener", () => {
  it("creates the user as given and answers it", async () => {
    const id = randomUUID();

    const answer = await postAdmin({ id, created_at: "2022-02-02T02:02:02Z", emails: [{ address: "Given@Example.com", is_primary: true, is_verified: true }] });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id,
      created_at: "2022-02-02T02:02:02.000000Z",
      emails: [{ address: "given@example.com", is_primary: true, is_verified: true }],
      webauthn_credentials: [],
    });
    expect(answer.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers 409 for an id or an address that exists", async () => {
    const { id } = await createdUser("first-owner@example.com");

    expect(await postAdmin({ id, emails: [{ address: "other@example.com", is_primary: true }] })).toMatchObject({ status: 409, body: error(409, "user already exists") });
    expect(await postAdmin({ emails: [{ address: "FIRST-OWNER@example.com", is_primary: true }] })).toMatchObject({ status: 409, body: error(409, "email already exists") });
  });

  it.each([
    ["no body", "", "emails is a required field"],
    ["not JSON", "{", "request body must be valid JSON"],
    ["an array", "[]", "request body must be a JSON object"],
    ["no primary", JSON.stringify({ emails: [{ address: "a@example.com" }] }), "at least one primary email must be provided"],
    ["a bad address", JSON.stringify({ emails: [{ address: "a@b", is_primary: true }] }), "email must be a valid email address"],
    ["a bad id", JSON.stringify({ id: "1; DROP TABLE users", emails: [{ address: "a@example.com", is_primary: true }] }), "id must be a UUID"],
  ])("answers 400 for %s", async (_what, body, message) => {
    expect(await postAdmin(body)).toMatchObject({ status: 400, body: error(400, message) });
  });

  it("answers 415 for a body that is not JSON, and 413 for one over 16 KiB", async () => {
    expect(await postAdmin("emails=a", { "Content-Type": "application/x-www-form-urlencoded" })).toMatchObject({ status: 415, body: error(415, "Unsupported Media Type") });
    expect(await postAdmin(JSON.stringify({ emails: [], padding: "x".repeat(17_000) }))).toMatchObject({ status: 413, body: error(413, "Payload Too Large") });
  });
});

describe("GET /users and /users/{id} on the admin listener", () => {
  it("lists users newest first, with X-Total-Count and Link, a page at a time", async () => {
    for (const index of [1, 2, 3]) await createdUser(`paged-${index}@pages.example`, { created_at: `2023-01-0${index}T00:00:00Z` });

    const answer = await admin("/users?email=pages.example&per_page=1&page=2");

    expect(answer.status).toBe(200);
    expect((answer.body as AdminUser[]).map(({ emails }) => emails[0]!.address)).toEqual(["paged-2@pages.example"]);
    expect(answer.headers.get("x-total-count")).toBe("3");
    expect(answer.headers.get("link")).toBe(
      [
        '</users?email=pages.example&per_page=1&page=1>; rel="first"',
        '</users?email=pages.example&per_page=1&page=1>; rel="prev"',
        '</users?email=pages.example&per_page=1&page=3>; rel="next"',
        '</users?email=pages.example&per_page=1&page=3>; rel="last"',
      ].join(", "),
    );
  });

  it.each([
    ["/users?page=0", "page must be a whole number from 1"],
    ["/users?per_page=ten", "per_page must be a whole number from 1"],
    ["/users?user_id=1%20OR%201=1", "user_id must be a comma-separated list of UUIDs"],
    ["/users?sort_direction=sideways", "sort_direction must be desc or asc"],
    ["/users/not-a-uuid", "id must be a UUID"],
    ["/users/00000000-0000-4000-8000-00000000000%27", "id must be a UUID"],
  ])("answers 400 to GET %s", async (path, message) => {
    expect(await admin(path)).toMatchObject({ status: 400, body: error(400, message) });
  });

  it("answers a user with its addresses, and 404 for an id no user has", async () => {
    const user = await createdUser("shown@example.com");

    expect(await admin(`/users/${user.id}`)).toMatchObject({ status: 200, body: user });
    expect(await admin(`/users/${randomUUID()}`)).toMatchObject({ status: 404, body: error(404, "user not found") });
  });
});

describe("DELETE /users/{id} on the admin listener", () => {
  it("deletes the user, refuses its token at once, sends user.delete verifiable with the JWKS, and records it", async () => {
    const { userId, token } = await signUp("erased@example.com");
    expect((await me(token)).status).toBe(200);
    const before = (await admin(`/users/${userId}`)).body as AdminUser;

    const answer = await admin(`/users/${userId}`, { method: "DELETE" });

    expect(answer).toMatchObject({ status: 204, body: "" });
    expect(await me(token)).toMatchObject({ status: 401 });
    expect(await admin(`/users/${userId}`)).toMatchObject({ status: 404 });
    const [delivered] = await webhooks.receiver().waitForAccepted(1);
    const keys = createRemoteJWKSet(new URL("/.well-known/jwks.json", running.app.url));
    const { payload } = await jwtVerify(delivered!.body.token, keys, { audience: "localhost", subject: "hanko webhooks" });
    const { webauthn_credentials: credentials, ...asItWas } = before;
    expect(credentials).toEqual([]);
    expect(payload).toMatchObject({ evt: "user.delete", data: asItWas });
    expect(delivered!.body.event).toBe("user.delete");
    const entries = await admin(`/audit_logs?type=user_deleted&actor_user_id=${userId}`);
    expect(entries.body).toMatchObject([{ type: "user_deleted", actor_user_id: userId, actor_email: "erased@example.com", meta_http_request_id: answer.headers.get("x-request-id") }]);
    expect(await admin(`/users/${userId}`, { method: "DELETE" })).toMatchObject({ status: 404, body: error(404, "user not found") });
  });

  it("racing the user's sign-ins and a sign-up of its address: no 500, the token refused from the 204 on, the address free or a new user's", async () => {
    for (let round = 0; round < 5; round++) {
      const address = `racing-${round}@example.com`;
      const { userId, token } = await signUp(address);

      const signIns = Array.from({ length: 8 }, () => me(token));
      const [deleted, signedUp] = await Promise.all([admin(`/users/${userId}`, { method: "DELETE" }), postUser(running.app.url, { email: address })]);
      const during = await Promise.all(signIns);
      const after = await me(token);

      expect(deleted.status).toBe(204);
      expect([200, 409]).toContain(signedUp.status);
      expect(during.every(({ status }) => status === 200 || status === 401)).toBe(true);
      expect(after.status).toBe(401);
      const listed = (await admin(`/users?email=${address}`)).body as AdminUser[];
      if (signedUp.status === 200) expect(listed.map(({ id }) => id)).toEqual([(signedUp.body as { user_id: string }).user_id]);
      else expect(listed).toEqual([]);
    }
  });

  it("answers 400 for an id that is not a UUID", async () => {
    expect(await admin("/users/42", { method: "DELETE" })).toMatchObject({ status: 400, body: error(400, "id must be a UUID") });
  });
});

describe("GET /audit_logs on the admin listener", () => {
  it("lists the sign-ups' and the operators' entries, newest first, filtered and paginated", async () => {
    const { userId } = await signUp("audited-web@example.com");
    await admin(`/users/${userId}`, { method: "DELETE" });

    const answer = await admin(`/audit_logs?actor_email=audited-web&per_page=1`);
    const created = await admin(`/audit_logs?actor_email=audited-web&type=user_created&type=user_deleted&page=2&per_page=1`);

    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-total-count")).toBe("2");
    expect((answer.body as AuditLogEntry[]).map(({ type }) => type)).toEqual(["user_deleted"]);
    expect((created.body as AuditLogEntry[]).map(({ type }) => type)).toEqual(["user_created"]);
  });

  it.each([
    ["/audit_logs?start_time=yesterday", "start_time must be a date and time such as 2024-05-01T12:00:00Z"],
    ["/audit_logs?type=drop%20table", "type must be an audit log type such as user_created"],
    ["/audit_logs?page=-1", "page must be a whole number from 1"],
  ])("answers 400 to GET %s", async (path, message) => {
    expect(await admin(path)).toMatchObject({ status: 400, body: error(400, message) });
  });
});

describe("GET /stats/sign_ups on the admin listener", () => {
  it("counts today's new users last", async () => {
    const before = (await admin("/stats/sign_ups?days=7")).body as { day: string; count: number }[];
    await signUp("counted@example.com");

    const after = await admin("/stats/sign_ups?days=7");

    expect(after.status).toBe(200);
    expect((after.body as { count: number }[]).at(-1)!.count).toBe(before.at(-1)!.count + 1);
    expect(await admin("/stats/sign_ups?days=400")).toMatchObject({ status: 400, body: error(400, "days must be at most 366") });
  });
});

describe("the admin listener", () => {
  it("answers other methods 405 with Allow, in the same shape", async () => {
    const answer: Answer = await admin("/audit_logs", { method: "DELETE" });

    expect(answer).toMatchObject({ status: 405, body: error(405, "Method Not Allowed") });
    expect(answer.headers.get("allow")).toBe("GET");
  });

  it("keeps the admin routes off the public listener", async () => {
    expect((await fetch(`${running.app.url}/audit_logs`)).status).toBe(404);
    expect((await fetch(`${running.app.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${running.app.url}/users/${randomUUID()}`, { method: "DELETE" })).status).toBe(405);
  });
});

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { adminCreateUserInput, auditLogListQuery, userListQuery, type AdminCreateUserInput } from "@enroll/validators";
import { listAuditEntries } from "../src/audit/list.ts";
import { loadConfig } from "../src/config/index.ts";
import { NotFoundError, UserExistsError } from "../src/errors.ts";
import { authenticate } from "../src/sessions/sessions.ts";
import { openSigningKeys, type SigningKeys } from "../src/sessions/keys.ts";
import { signUpsPerDay } from "../src/user-admin/stats.ts";
import { createUserAsOperator, deleteUserAsOperator, findUser, listUsers } from "../src/user-admin/users.ts";
import { requestContext, signUpAt, type TestRequest } from "./support/request.ts";

let db: Database;
let keys: SigningKeys;
beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  keys = await openSigningKeys(db, []);
});
afterAll(() => db.$disconnect());

const operator = { requestId: "admin-request", address: "127.0.0.1", userAgent: "enroll-cli" };
const hooked = loadConfig({ WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: '[{"callback":"http://127.0.0.1:9/hooks","events":["user"]}]' });

const create = (input: AdminCreateUserInput, config = loadConfig({})) =>
  createUserAsOperator({ db, config }, adminCreateUserInput.parse(input), operator);

const primary = (address: string) => ({ emails: [{ address, is_primary: true }] });

function signUpRequest(headers: Record<string, string> = {}): TestRequest {
  return requestContext({ db, keys }, { headers });
}

describe("creating a user as an operator", () => {
  it("writes the user with its addresses, one primary, as given, with its audit entry and user.create", async () => {
    const id = randomUUID();

    const user = await create(
      {
        id,
        created_at: "2021-03-04T05:06:07.123Z",
        emails: [{ address: "Second@Example.com", is_verified: true }, { address: "first@example.com", is_primary: true }],
      },
      hooked,
    );

    expect(user).toMatchObject({ id, created_at: "2021-03-04T05:06:07.123000Z", webauthn_credentials: [] });
    expect(user.emails.map(({ address, is_primary, is_verified }) => ({ address, is_primary, is_verified })).toSorted((a, b) => a.address.localeCompare(b.address))).toEqual([
      { address: "first@example.com", is_primary: true, is_verified: false },
      { address: "second@example.com", is_primary: false, is_verified: true },
    ]);
    expect(await findUser(db, id)).toEqual(user);
    expect(await db.auditLog.findMany({ where: { actorUserId: id } })).toMatchObject([
      { type: "user_created", actorEmail: "first@example.com", metaHttpRequestId: "admin-request", metaUserAgent: "enroll-cli" },
    ]);
    const [event] = await db.webhookDelivery.findMany({ where: { event: "user.create", data: { path: ["id"], equals: id } } });
    expect(event?.data).toEqual({ id: user.id, created_at: user.created_at, updated_at: user.updated_at, emails: user.emails });
  });

  it("refuses an id or an address that exists (owned or waiting for verification), writing nothing", async () => {
    const { id } = await create(primary("owned@example.com"));
    await db.email.create({ data: { address: "reserved@example.com" } });

    await expect(create({ id, ...primary("new-address@example.com") })).rejects.toEqual(new UserExistsError("user"));
    await expect(create({ emails: [{ address: "fresh@example.com", is_primary: true }, { address: "OWNED@example.com" }] })).rejects.toEqual(
      new UserExistsError("email"),
    );
    await expect(create(primary("reserved@example.com"))).rejects.toEqual(new UserExistsError("email"));
    expect(await db.email.count({ where: { address: { in: ["new-address@example.com", "fresh@example.com"] } } })).toBe(0);
  });

  it("gives one of two operators racing for an address the user, and the other 409", async () => {
    const outcomes = await Promise.allSettled([create(primary("race@example.com")), create(primary("race@example.com"))]);

    expect(outcomes.map(({ status }) => status).toSorted()).toEqual(["fulfilled", "rejected"]);
    expect(outcomes.find(({ status }) => status === "rejected")).toMatchObject({ reason: new UserExistsError("email") });
  });

  it.each([
    [{}, "emails is a required field"],
    [{ emails: [] }, "emails is a required field"],
    [{ emails: [{ address: "a@example.com" }] }, "at least one primary email must be provided"],
    [{ emails: [{ address: "a@example.com", is_primary: true }, { address: "b@example.com", is_primary: true }] }, "only one primary email is allowed"],
    [{ emails: [{ address: "a@example.com", is_primary: true }, { address: "A@example.com" }] }, "each address may be given only once"],
    [{ emails: [{ address: "user@localhost", is_primary: true }] }, "email must be a valid email address"],
    [{ id: "42", ...primary("a@example.com") }, "id must be a UUID"],
    [{ created_at: "0000-01-01T00:00:00Z", ...primary("a@example.com") }, "created_at must be between 1970 and 9999"],
    [{ created_at: "yesterday", ...primary("a@example.com") }, "created_at must be a date and time such as 2024-05-01T12:00:00Z"],
  ])("refuses %j before the database: %s", (input, message) => {
    expect(adminCreateUserInput.safeParse(input).error?.issues[0]?.message).toBe(message);
  });
});

describe("listing users", () => {
  it("shows those that own an address, newest first, a page at a time, found by part of an address or by id", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await create({ ...primary(`lister-${index}@list.example`), created_at: `2020-01-0${index + 1}T00:00:00Z` })).id);
    await db.user.create({ data: {} });

    const page = await listUsers(db, userListQuery.parse({ email: "@LIST.example", per_page: "2", page: "2" }));
    const oldest = await listUsers(db, userListQuery.parse({ email: "list.example", sort_direction: "asc", per_page: "1" }));
    const byId = await listUsers(db, userListQuery.parse({ user_id: `${ids[0]},${ids[4]}` }));

    expect(page).toMatchObject({ total: 5, items: [{ id: ids[2] }, { id: ids[1] }] });
    expect(oldest.items.map(({ id }) => id)).toEqual([ids[0]]);
    expect(byId.items.map(({ id }) => id)).toEqual([ids[4], ids[0]]);
    expect((await listUsers(db, userListQuery.parse({ email: "list.example", page: "9" }))).items).toEqual([]);
  });

  it("takes % and _ in the address searched for as themselves", async () => {
    await create(primary("per_cent@wild.example"));
    await create(primary("perxcent@wild.example"));

    expect((await listUsers(db, userListQuery.parse({ email: "per_cent" }))).items.map(({ emails }) => emails[0]!.address)).toEqual(["per_cent@wild.example"]);
    expect((await listUsers(db, userListQuery.parse({ email: "%@wild" }))).total).toBe(0);
  });

  it.each([
    [{ page: "0" }, "page must be a whole number from 1"],
    [{ per_page: "-1" }, "per_page must be a whole number from 1"],
    [{ page: "1e3" }, "page must be a whole number from 1"],
    [{ user_id: "not-a-uuid" }, "user_id must be a comma-separated list of UUIDs"],
    [{ sort_direction: "up" }, "sort_direction must be desc or asc"],
  ])("refuses %j before the database: %s", (query, message) => {
    expect(userListQuery.safeParse(query).error?.issues[0]?.message).toBe(message);
  });

  it("caps per_page at 100", () => {
    expect(userListQuery.parse({ per_page: "5000" }).per_page).toBe(100);
  });
});

describe("deleting a user", () => {
  it("removes the user, its addresses, primary email, sessions and idempotency keys in one statement, with its audit entry and user.delete", async () => {
    const request = signUpRequest({ "idempotency-key": randomUUID() });
    const { user_id: userId } = await signUpAt(request, { email: "leaving@example.com" });
    const before = await findUser(db, userId);
    const token = /^hanko=([^;]+)/.exec([request.responseHeaders["Set-Cookie"]].flat()[0]!)![1]!;
    await authenticate({ config: request.services.config, db, keys }, token);

    await deleteUserAsOperator({ db, config: hooked }, userId, operator);

    await expect(authenticate({ config: request.services.config, db, keys }, token)).rejects.toThrow("Unauthorized");
    expect(await db.user.count({ where: { id: userId } })).toBe(0);
    expect(await db.email.count({ where: { address: "leaving@example.com" } })).toBe(0);
    expect(await db.session.count({ where: { userId } })).toBe(0);
    expect(await db.idempotencyKey.count({ where: { userId } })).toBe(0);
    expect(await db.auditLog.findMany({ where: { actorUserId: userId, type: "user_deleted" } })).toMatchObject([
      { actorEmail: "leaving@example.com", metaHttpRequestId: "admin-request", metaSourceIp: "127.0.0.1" },
    ]);
    const [event] = await db.webhookDelivery.findMany({ where: { event: "user.delete" , data: { path: ["id"], equals: userId } } });
    const { webauthn_credentials: credentials, ...asItWas } = before;
    expect(credentials).toEqual([]);
    expect(event?.data).toEqual(asItWas);
  });

  it("answers NotFoundError for an id no user has, and a second time", async () => {
    const { id } = await create(primary("twice@example.com"));
    await deleteUserAsOperator({ db, config: loadConfig({}) }, id, operator);

    await expect(deleteUserAsOperator({ db, config: loadConfig({}) }, id, operator)).rejects.toEqual(new NotFoundError("user not found"));
    await expect(findUser(db, id)).rejects.toEqual(new NotFoundError("user not found"));
  });

  it("racing sign-ups of its address, ends with the address free or owned by a new user, never half-written", async () => {
    for (let round = 0; round < 10; round++) {
      const address = `again-${round}@example.com`;
      const { user_id: userId } = await signUpAt(signUpRequest(), { email: address });

      const [deleted, signedUp] = await Promise.allSettled([
        deleteUserAsOperator({ db, config: loadConfig({}) }, userId, operator),
        signUpAt(signUpRequest(), { email: address }),
      ]);

      expect(deleted.status).toBe("fulfilled");
      const owner = await db.email.findUnique({ where: { address }, include: { primaryEmail: true } });
      if (signedUp.status === "fulfilled") expect(owner).toMatchObject({ userId: signedUp.value.user_id, primaryEmail: { userId: signedUp.value.user_id } });
      else expect(owner).toBeNull();
    }
  });
});

describe("the audit log", () => {
  it("lists entries newest first, by type, actor and time, leaving out what is not set", async () => {
    const { id } = await create(primary("audited@example.com"));
    await deleteUserAsOperator({ db, config: loadConfig({}) }, id, operator);
    const start = new Date(Date.now() - 60_000).toISOString();

    const both = await listAuditEntries(db, auditLogListQuery.parse({ actor_user_id: id.slice(0, 13), start_time: start }));
    const deletions = await listAuditEntries(db, auditLogListQuery.parse({ type: ["user_deleted"], actor_email: "AUDITED@" }));
    const later = await listAuditEntries(db, auditLogListQuery.parse({ actor_user_id: id, end_time: start }));

    expect(both.items.map(({ type }) => type)).toEqual(["user_deleted", "user_created"]);
    expect(both.items[0]).toEqual({
      id: expect.any(String),
      type: "user_deleted",
      meta_http_request_id: "admin-request",
      meta_source_ip: "127.0.0.1",
      meta_user_agent: "enroll-cli",
      actor_user_id: id,
      actor_email: "audited@example.com",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      updated_at: expect.any(String),
    });
    expect(deletions).toMatchObject({ total: 1, items: [{ actor_user_id: id }] });
    expect(later.total).toBe(0);
  });

  it.each([
    [{ type: ["user created"] }, "type must be an audit log type such as user_created"],
    [{ actor_user_id: "x' OR 1=1" }, "actor_user_id must be a UUID or a part of one"],
    [{ start_time: "last week" }, "start_time must be a date and time such as 2024-05-01T12:00:00Z"],
  ])("refuses %j before the database: %s", (query, message) => {
    expect(auditLogListQuery.safeParse(query).error?.issues[0]?.message).toBe(message);
  });
});

describe("sign-ups per day", () => {
  it("counts the users created on each of the last days, today last, a day without any as 0", async () => {
    const before = await signUpsPerDay(db, 3);
    await create(primary("today@example.com"));
    await create({ ...primary("two-days-ago@example.com"), created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() });

    const after = await signUpsPerDay(db, 3);

    expect(after.map(({ day }) => day)).toEqual(before.map(({ day }) => day));
    expect(after.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    expect(after.map(({ count }, index) => count - before[index]!.count)).toEqual([1, 0, 1]);
  });
});

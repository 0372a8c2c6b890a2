import { describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";
import { callMutation, error, postUser, type Answer } from "../support/rest.ts";

/**
 * Four sign-ups a minute per client, each test its own client (through X-Forwarded-For from the
 * trusted 127.0.0.1), so that one test can reach the limit and the others do not.
 */
const limited = {
  RATE_LIMITER_ENABLED: "true",
  RATE_LIMITER_SIGNUP_LIMIT: "4",
  SERVER_TRUSTED_PROXIES: "127.0.0.1,::1",
};
// The mailbox keeps the passcodes: an app that requires verification needs a way to send them.
const verifying = appOnFreshDatabase({ ...limited, EMAIL_REQUIRE_VERIFICATION: "true", EMAIL_MAILBOX_ENABLED: "true" });
const notVerifying = appOnFreshDatabase({ ...limited, EMAIL_REQUIRE_VERIFICATION: "false" });

let client = 0;
const newClient = () => ({ "X-Forwarded-For": `198.51.100.${(client += 1)}` });

/** A sign-up's ids from either door's answer. */
function idsOf(answer: Answer): { user_id: string; email_id: string } {
  const body = answer.body as { user_id?: string; result?: { data: { user_id: string; email_id: string } } };
  return (body.result?.data ?? body) as { user_id: string; email_id: string };
}

/** Each door: its name, a word for the addresses its tests sign up, and one sign-up through it. */
const doors = [
  ["POST /users", "rest", (url: string, email: string, headers: Record<string, string>) => postUser(url, { email }, headers)],
  ["users.create", "trpc", (url: string, email: string, headers: Record<string, string>) =>
    callMutation(url, "users.create", { email }, headers)],
] as const;

describe.each(doors)("%s with EMAIL_REQUIRE_VERIFICATION=true", (door, slug, signUp) => {
  it("answers each repeat of an address 200 with a new user, the same email id and only the hanko_email_id cookie", async () => {
    const headers = newClient();
    const email = `repeat-${slug}@example.com`;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await signUp(verifying.app.url, email, headers));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const ids = answers.map(idsOf);
    expect(new Set(ids.map(({ user_id }) => user_id)).size).toBe(3);
    expect(new Set(ids.map(({ email_id }) => email_id)).size).toBe(1);
    for (const answer of answers) {
      expect(answer.headers.getSetCookie()).toEqual([`hanko_email_id=${ids[0]!.email_id}; Path=/; HttpOnly; Secure; SameSite=None`]);
    }
    const { db } = verifying;
    expect(await db.email.findUniqueOrThrow({ where: { id: ids[0]!.email_id } })).toMatchObject({ userId: null, verified: false });
    expect(await db.primaryEmail.count({ where: { emailId: ids[0]!.email_id } })).toBe(0);
    expect(await db.user.count({ where: { id: { in: ids.map(({ user_id }) => user_id) } } })).toBe(3);
  });

  it("answers an address that a user owns with 409 and no cookie", async () => {
    const owner = await verifying.db.user.create({ data: { emails: { create: { address: `owned-${slug}@example.com` } } } });

    const answer = await signUp(verifying.app.url, `owned-${slug}@example.com`, newClient());

    expect(answer.status).toBe(409);
    expect(answer.headers.getSetCookie()).toEqual([]);
    expect(await verifying.db.user.count({ where: { id: { not: owner.id }, emails: { some: { address: `owned-${slug}@example.com` } } } })).toBe(0);
  });

  it("is rate-limited like any sign-up: past the limit, 429 and no new user", async () => {
    const headers = newClient();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await signUp(verifying.app.url, `limited-${slug}@example.com`, headers)).status);
    const users = await verifying.db.user.count();

    const refused = await signUp(verifying.app.url, `limited-${slug}@example.com`, headers);

    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(await verifying.db.user.count()).toBe(users);
  });

  it("replays the first answer to an Idempotency-Key, cookie included, without a second user", async () => {
    const headers = { ...newClient(), "Idempotency-Key": `verification-${slug}` };
    const first = await signUp(verifying.app.url, `keyed-${slug}@example.com`, headers);
    const users = await verifying.db.user.count();

    const retry = await signUp(verifying.app.url, `keyed-${slug}@example.com`, headers);

    expect(retry.status).toBe(200);
    expect(idsOf(retry)).toEqual(idsOf(first));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.getSetCookie()).toEqual(first.headers.getSetCookie());
    expect(await verifying.db.user.count()).toBe(users);
  });
});

describe.each(doors)("%s with EMAIL_REQUIRE_VERIFICATION=false", (door, slug, signUp) => {
  it("gives the address to the new user with a primary email, and answers a repeat with 409", async () => {
    const email = `claimed-${slug}@example.com`;
    const first = await signUp(notVerifying.app.url, email, newClient());
    const repeat = await signUp(notVerifying.app.url, email, newClient());

    expect(first.status).toBe(200);
    const { user_id, email_id } = idsOf(first);
    expect(await notVerifying.db.email.findUniqueOrThrow({ where: { id: email_id } })).toMatchObject({ userId: user_id });
    expect(await notVerifying.db.primaryEmail.findUniqueOrThrow({ where: { userId: user_id } })).toMatchObject({ emailId: email_id });
    expect(repeat.status).toBe(409);
    if (door === "POST /users") expect(repeat.body).toEqual(error(409, "Conflict"));
  });
});

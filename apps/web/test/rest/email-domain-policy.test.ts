import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";
import { servedDocument } from "../support/openapi.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

const running = appOnFreshDatabase({ EMAIL_DOMAIN_DENYLIST: "bücher.example", EMAIL_BLOCK_DISPOSABLE: "true" });

const NOT_ALLOWED = "email domain is not allowed";

/** The rows of every table a sign-up writes to, counted. */
async function rowCounts() {
  const { db } = running;
  const [users, emails, primaryEmails, sessions, auditLogs, idempotencyKeys] = await Promise.all([
    db.user.count(),
    db.email.count(),
    db.primaryEmail.count(),
    db.session.count(),
    db.auditLog.count(),
    db.idempotencyKey.count(),
  ]);
  return { users, emails, primaryEmails, sessions, auditLogs, idempotencyKeys };
}

/** Disposable (and a subdomain of one), and denied in either spelling of an internationalised domain. */
const refused = ["someone@mailinator.com", "someone@inbox.mailinator.com", "kim@xn--bcher-kva.example", "Kim@Bücher.example"];

describe("an address whose domain the policy refuses", () => {
  it.each(refused)("gets 400 at POST /users, and nothing is written, not even its Idempotency-Key: %s", async (email) => {
    const before = await rowCounts();

    const answer = await postUser(running.app.url, { email }, { "Idempotency-Key": randomUUID() });

    expect(answer).toMatchObject({ status: 400, body: error(400, NOT_ALLOWED) });
    expect(await rowCounts()).toEqual(before);
  });

  it.each(refused)("gets BAD_REQUEST with the same sentence at users.create, and nothing is written: %s", async (email) => {
    const before = await rowCounts();

    const answer = await callMutation(running.app.url, "users.create", { email }, { "Idempotency-Key": randomUUID() });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { message: NOT_ALLOWED, data: { code: "BAD_REQUEST", httpStatus: 400 } } });
    expect(await rowCounts()).toEqual(before);
  });

  it("is told it is not an address first, when it is not one", async () => {
    const answer = await postUser(running.app.url, { email: "someone@@mailinator.com" });

    expect(answer).toMatchObject({ status: 400, body: error(400, "email must be a valid email address") });
  });

  it("is documented among the 400s of POST /users", async () => {
    const document = await servedDocument(running.app.url);
    const badRequest = document.paths!["/users"]!.post!.responses!["400"] as { description: string };

    expect(badRequest.description).toContain(`\`${NOT_ALLOWED}\``);
  });
});

describe("an address the policy lets through", () => {
  it("signs up at both doors, a domain that merely ends like a refused one too", async () => {
    const before = await rowCounts();

    const rest = await postUser(running.app.url, { email: "ada@example.com" });
    const trpc = await callMutation(running.app.url, "users.create", { email: "kim@shopmailinator.com" });

    expect(rest.status).toBe(200);
    expect(trpc.status).toBe(200);
    expect(await rowCounts()).toMatchObject({ users: before.users + 2, emails: before.emails + 2 });
  });
});

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { contractProblems, expectToMatchDocument, servedDocument, type Exchange } from "../support/openapi.ts";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp(await createEmptyDatabase(inject("postgresUrl")));
});
afterAll(() => app?.stop());

async function exchange(baseUrl: string, path: string, init: RequestInit = {}): Promise<Exchange> {
  const response = await fetch(new URL(path, baseUrl), init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the contract check says whether that was allowed
  }
  return { method: init.method ?? "GET", path, status: response.status, headers: response.headers, body };
}

const postJson = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...headers },
  body,
});

describe("every answer of the REST door keeps the served document", () => {
  it.each([
    ["200, a new user", postJson(JSON.stringify({ email: "fresh@example.com" })), 200],
    ["409, the same address again", postJson(JSON.stringify({ email: "FRESH@example.com" })), 409],
    ["400, no email", postJson("{}"), 400],
    ["400, an invalid email", postJson(JSON.stringify({ email: "user@localhost" })), 400],
    ["400, malformed JSON", postJson('{"email":'), 400],
    ["415, a form body", { method: "POST", body: new URLSearchParams({ email: "a@b.com" }) }, 415],
    ["413, a body over the limit", postJson(JSON.stringify({ email: "big@example.com", pad: "x".repeat(20_000) })), 413],
    ["200, with the caller's request id", postJson(JSON.stringify({ email: "id@example.com" }), { "X-Request-Id": "abc-1" }), 200],
  ] satisfies [string, RequestInit, number][])("%s", async (_case, init, status) => {
    const answer = await exchange(app.url, "/users", init);

    expect(answer.status).toBe(status);
    await expectToMatchDocument(app.url, answer);
  });

  it.each(["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"])("405 for %s", async (method) => {
    const answer = await exchange(app.url, "/users", { method });

    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("POST");
    await expectToMatchDocument(app.url, answer);
  });

  describe("while sign-up is disabled", () => {
    let closed: RunningApp;
    beforeAll(async () => {
      closed = await startApp(await createEmptyDatabase(inject("postgresUrl")), { ACCOUNT_ALLOW_SIGNUP: "false" });
    });
    afterAll(() => closed?.stop());

    it("403", async () => {
      const answer = await exchange(closed.url, "/users", postJson(JSON.stringify({ email: "closed@example.com" })));

      expect(answer.status).toBe(403);
      await expectToMatchDocument(closed.url, answer);
    });
  });
});

describe("the contract check", () => {
  const conflict = (): Exchange => ({
    method: "POST",
    path: "/users",
    status: 409,
    headers: new Headers({ "Content-Type": "application/json", "X-Request-Id": "r1" }),
    body: { code: 409, message: "Conflict" },
  });

  it("accepts an answer that keeps the document", async () => {
    expect(contractProblems(await servedDocument(app.url), conflict())).toEqual([]);
  });

  it.each([
    ["a body of another shape", { body: { code: "409", message: "Conflict", stack: "…" } }, /body/],
    ["a missing X-Request-Id", { headers: new Headers({ "Content-Type": "application/json" }) }, /X-Request-Id is missing/],
    ["another content type", { headers: new Headers({ "Content-Type": "text/html", "X-Request-Id": "r1" }) }, /content type/],
    ["an undocumented status", { status: 418 }, /does not document status 418/],
    ["an undocumented operation", { path: "/accounts" }, /is not documented/],
  ] satisfies [string, Partial<Exchange>, RegExp][])("refuses %s", async (_case, change, problem) => {
    const problems = contractProblems(await servedDocument(app.url), { ...conflict(), ...change });

    expect(problems).toContainEqual(expect.stringMatching(problem));
  });
});

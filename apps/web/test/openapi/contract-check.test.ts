import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { contractProblems, servedDocument, type Exchange } from "../support/openapi.ts";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp(await createEmptyDatabase(inject("postgresUrl")));
});
afterAll(() => app?.stop());

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

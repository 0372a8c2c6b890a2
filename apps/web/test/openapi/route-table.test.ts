import { describe, expect, it } from "vitest";
import { apiDocument, routes } from "@enroll/api";
import { appOnFreshDatabase } from "../support/app.ts";
import { servedAndDocumented } from "../support/openapi.ts";

/**
 * The route table is the one list of routes: the server routes by it and the OpenAPI document is
 * built from it. Served and documented must agree both ways.
 */
const running = appOnFreshDatabase();

const { served, documented } = servedAndDocumented(routes, apiDocument());

/** A concrete path for a route's template: a user id, or a procedure of the method's kind. */
const example = (template: string, method: string) =>
  template.replace("{id}", "00000000-0000-4000-8000-000000000000").replace("{procedure}", method === "POST" ? "users.create" : "auth.me");

describe("the route table and the OpenAPI document", () => {
  it("document every method the table serves as part of the REST contract, and nothing else", () => {
    const inContract = served.filter(({ documented }) => documented).map(({ path, method }) => `${method} ${path}`);

    expect(documented.map(({ path, method }) => `${method} ${path}`).sort()).toEqual(inContract.sort());
  });

  it("leave out of the document only tRPC (typed from AppRouter) and the document itself", () => {
    expect(served.filter(({ documented }) => !documented).map(({ path }) => path)).toEqual([
      "/api/trpc/{procedure}",
      "/api/trpc/{procedure}",
      "/api/trpc/{procedure}",
      "/openapi.json",
    ]);
  });

  it("is what the app serves at /openapi.json", async () => {
    const response = await fetch(`${running.app.url}/openapi.json`);

    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(apiDocument())));
  });

  it.each(served.map(({ path, method }) => [method, path] as const))(
    "has %s %s answered by the app's route, neither 404 nor 405",
    async (method, path) => {
      const response = await fetch(`${running.app.url}${example(path, method)}`, {
        method,
        ...(method === "POST" ? { headers: { "Content-Type": "application/json" }, body: "{}" } : {}),
      });

      expect(response.status).not.toBe(404);
      expect(response.status).not.toBe(405);
      expect(response.headers.get("x-request-id")).toBeTruthy();
    },
  );
});

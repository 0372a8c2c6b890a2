import { describe, expect, it } from "vitest";
import { adminApiDocument, adminRoutes } from "@enroll/api";
import { appOnFreshDatabase } from "../support/app.ts";
import { servedAndDocumented } from "../support/openapi.ts";

/**
 * The admin listener's route table is its one list of routes: the listener routes by it and its
 * OpenAPI document is built from it. Served and documented must agree both ways.
 */
const running = appOnFreshDatabase();

const { served, documented } = servedAndDocumented(adminRoutes, adminApiDocument());

describe("the admin route table and the admin OpenAPI document", () => {
  it("document every method the table serves as part of the REST contract, and nothing else", () => {
    const inContract = served.filter(({ documented }) => documented).map(({ path, method }) => `${method} ${path}`);

    expect(documented.map(({ path, method }) => `${method} ${path}`).sort()).toEqual(inContract.sort());
  });

  it("leave out of the document only the document itself and the way to the operator page", () => {
    expect(served.filter(({ documented }) => !documented).map(({ path }) => path)).toEqual(["/openapi.json", "/"]);
  });

  it("is what the admin listener serves at /openapi.json, and not the public one", async () => {
    const response = await fetch(`${running.app.adminUrl}/openapi.json`);
    const publicDocument = await fetch(`${running.app.url}/openapi.json`).then((answer) => answer.json());

    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(adminApiDocument())));
    expect(publicDocument.info.title).toBe("Enroll API");
  });

  it.each(served.map(({ path, method }) => [method, path] as const))(
    "has %s %s answered by the admin listener's route (not a page), not 405",
    async (method, path) => {
      const response = await fetch(`${running.app.adminUrl}${path.replace("{id}", "00000000-0000-4000-8000-000000000000")}`, {
        method,
        redirect: "manual",
        ...(method === "POST" ? { headers: { "Content-Type": "application/json" }, body: "{}" } : {}),
      });

      // An unknown user's 404 is the route's own answer; a page would be Next.js's HTML.
      expect(response.headers.get("content-type") ?? "").not.toMatch(/html/);
      expect(response.status).not.toBe(405);
      expect(response.headers.get("x-request-id")).toBeTruthy();
    },
  );
});

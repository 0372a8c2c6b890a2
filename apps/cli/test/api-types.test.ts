import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "web/testing";
import { API_TYPES_PATH, renderApiTypes } from "../scripts/api-types.ts";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp(await createEmptyDatabase(inject("postgresUrl")));
});
afterAll(() => app?.stop());

it("keeps the REST client's types in step with the served document (else run `pnpm --filter cli generate`)", async () => {
  const served = await fetch(`${app.url}/openapi.json`).then((response) => response.json());

  expect(await readFile(API_TYPES_PATH, "utf8")).toBe(await renderApiTypes(served));
});

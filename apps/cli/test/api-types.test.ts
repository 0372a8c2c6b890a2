import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "web/testing";
import { ADMIN_API_TYPES_PATH, API_TYPES_PATH, renderApiTypes } from "../scripts/api-types.ts";

let app: RunningApp;

beforeAll(async () => {
  app = await startApp(await createEmptyDatabase(inject("postgresUrl")));
});
afterAll(() => app?.stop());

it.each([
  ["REST", API_TYPES_PATH, () => app.url],
  ["admin", ADMIN_API_TYPES_PATH, () => app.adminUrl],
])("keeps the %s client's types in step with the served document (else run `pnpm --filter cli generate`)", async (_api, typesPath, url) => {
  const served = await fetch(`${url()}/openapi.json`).then((response) => response.json());

  expect(await readFile(typesPath, "utf8")).toBe(await renderApiTypes(served));
});

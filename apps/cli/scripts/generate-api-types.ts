/**
 * `pnpm --filter cli generate`: writes the types of the REST API and of the admin API from the
 * documents that the two listeners serve at `/openapi.json`, made here without starting the app.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { adminApiDocument, apiDocument } from "@enroll/api";
import { ADMIN_API_TYPES_PATH, API_TYPES_PATH, renderApiTypes } from "./api-types.ts";

await mkdir(new URL(".", API_TYPES_PATH), { recursive: true });
for (const [path, document] of [
  [API_TYPES_PATH, apiDocument()],
  [ADMIN_API_TYPES_PATH, adminApiDocument()],
] as const) {
  await writeFile(path, await renderApiTypes(document));
  console.log(`Wrote ${path.pathname}`);
}

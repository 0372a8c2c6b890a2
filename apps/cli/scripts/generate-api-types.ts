/**
 * `pnpm --filter cli generate`: writes the types of the REST API from the document that
 * `/openapi.json` serves, made here without starting the app.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { apiDocument } from "@enroll/api";
import { API_TYPES_PATH, renderApiTypes } from "./api-types.ts";

await mkdir(new URL(".", API_TYPES_PATH), { recursive: true });
await writeFile(API_TYPES_PATH, await renderApiTypes(apiDocument()));
console.log(`Wrote ${API_TYPES_PATH.pathname}`);

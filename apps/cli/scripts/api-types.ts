import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";

/** Where the REST clients' types live, one file per document; committed, so that a change to an API shows in review. */
export const API_TYPES_PATH = new URL("../src/generated/enroll-api.ts", import.meta.url);
export const ADMIN_API_TYPES_PATH = new URL("../src/generated/enroll-admin-api.ts", import.meta.url);

/** The TypeScript types of an OpenAPI document, as `openapi-fetch` reads them. */
export async function renderApiTypes(document: object): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(document as OpenAPI3, { silent: true }));
}

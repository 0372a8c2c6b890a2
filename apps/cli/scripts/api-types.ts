import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";

/** Where the REST client's types live; committed, so that a change to the API shows in review. */
export const API_TYPES_PATH = new URL("../src/generated/enroll-api.ts", import.meta.url);

/** The TypeScript types of an OpenAPI document, as `openapi-fetch` reads them. */
export async function renderApiTypes(document: object): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(document as OpenAPI3, { silent: true }));
}

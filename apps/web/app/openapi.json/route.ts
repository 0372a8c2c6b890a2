import { openApiDocument } from "@enroll/api";

// Generated from the Zod schemas that validate requests; the same for every request.
export const GET = () => Response.json(openApiDocument());

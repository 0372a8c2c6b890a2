import { openApiDocument } from "@enroll/api";

// Generated from the Zod schemas that validate requests, with this app as it was reached as its server.
export const GET = (request: Request) => Response.json(openApiDocument(originOf(request)));

/** Next.js gives `request.url` its own host name; the host the client asked for is in the headers. */
function originOf(request: Request): string {
  const { protocol, host } = new URL(request.url);
  const asked = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host");
  return `${protocol}//${asked ?? host}`;
}

import type { Context } from "../context.ts";
import { requestIdOf, type HttpRequest, type HttpResponse } from "./exchange.ts";

/**
 * A door's core as a Fetch-API route handler, for platforms where Enroll's own server cannot run
 * (`next start` alone, serverless): the same core, only the request and answer change shape. A
 * Fetch request does not say who sent it (Next.js passes on a client's own `X-Forwarded-For`), so
 * nothing is rate-limited here: that is left to the platform in front.
 */
export function fetchHandler(
  handle: (request: HttpRequest, context: Context) => Promise<HttpResponse>,
  getContext: () => Context,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const requestId = requestIdOf(request.headers.get("x-request-id"));
    const { status, headers, body } = await handle(
      {
        method: request.method,
        header: (name) => request.headers.get(name) ?? undefined,
        // Node's web streams are async iterable; the DOM typings do not say so.
        body: request.headers.get("content-length") === "0" ? null : (request.body as AsyncIterable<Uint8Array> | null),
        requestId,
        clientAddress: undefined,
      },
      getContext(),
    );
    return new Response(body, { status, headers: { ...headers, "X-Request-Id": requestId } });
  };
}

import type { AnyTRPCRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { forRequest, type Context } from "../context.ts";
import { requestIdOf, type HttpRequest, type HttpResponse } from "./exchange.ts";
import { errorHeaders } from "../errors.ts";
import { MAX_CALLS_PER_REQUEST, readTrpcInput, trpcErrorAnswer, trpcResponseMeta } from "./trpc-request.ts";

/** A Fetch `Request` as the doors' cores read it. */
function fromFetchRequest(request: Request, requestId: string): HttpRequest {
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    // Node's web streams are async iterable; the DOM typings do not say so.
    body: request.headers.get("content-length") === "0" ? null : (request.body as AsyncIterable<Uint8Array> | null),
    requestId,
    // A route handler is not told the peer's address; see the README on rate limits behind Next.js alone.
    clientAddress: undefined,
  };
}

/**
 * A door's core as a Fetch-API route handler, for platforms where Enroll's own server cannot run
 * (`next start` alone, serverless): the same core, only the request and answer change shape.
 */
export function fetchHandler(
  handle: (request: HttpRequest, context: Context) => Promise<HttpResponse>,
  getContext: () => Context | Promise<Context>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const requestId = requestIdOf(request.headers.get("x-request-id"));
    const { status, headers, body } = await handle(fromFetchRequest(request, requestId), await getContext());
    return new Response(body, { status, headers: { ...headers, "X-Request-Id": requestId } });
  };
}

/**
 * The tRPC door as a Fetch-API route handler: the body is admitted as the node:http door admits it
 * (readTrpcInput), then tRPC's own fetch adapter answers, with at most MAX_CALLS_PER_REQUEST calls.
 */
export function trpcFetchHandler({
  router,
  endpoint,
  getContext,
}: {
  router: AnyTRPCRouter;
  endpoint: string;
  getContext: () => Context | Promise<Context>;
}): (request: Request) => Promise<Response> {
  return async (request) => {
    const admitted = fromFetchRequest(request, requestIdOf(request.headers.get("x-request-id")));
    const context = forRequest(await getContext(), admitted);
    const path = new URL(request.url).pathname.slice(endpoint.length + 1);
    let input: unknown;
    try {
      input = await readTrpcInput(admitted);
    } catch (cause) {
      const { status, body } = trpcErrorAnswer(router, { path, cause, context });
      const headers = { "content-type": "application/json", vary: "trpc-accept, accept", ...errorHeaders(status) };
      return new Response(body, { status, headers });
    }
    return fetchRequestHandler({
      endpoint,
      req: input === undefined ? request : new Request(request, { body: JSON.stringify(input) }),
      router,
      maxBatchSize: MAX_CALLS_PER_REQUEST,
      responseMeta: (meta) => trpcResponseMeta({ ...meta, ctx: context }),
      createContext: () => context,
    });
  };
}

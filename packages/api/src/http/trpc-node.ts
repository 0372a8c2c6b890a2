import type { IncomingMessage, ServerResponse } from "node:http";
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  type AnyTRPCRouter,
} from "@trpc/server";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { getHTTPStatusCode } from "@trpc/server/http";
import { forRequest, type Context } from "../context.ts";
import { errorHeaders } from "../errors.ts";
import { MAX_BODY_BYTES } from "../rest/body.ts";
import { discardUnreadBody, fromNodeRequest } from "./node.ts";
import { MAX_CALLS_PER_REQUEST, readTrpcInput, trpcErrorAnswer, trpcResponseMeta } from "./trpc-request.ts";

/** The `Vary` that the steps before the door set (CORS's `Origin`), for the door's answer to keep. */
function varySetBefore(response: ServerResponse): string[] {
  const vary = response.getHeader("vary");
  return vary === undefined ? [] : [String(vary)];
}

interface TrpcDoorOptions {
  router: AnyTRPCRouter;
  /** Where the door is mounted, e.g. `/api/trpc`. */
  endpoint: string;
  context: Context;
}

/**
 * The tRPC door for node:http. tRPC's own node adapter turns every request into a Fetch `Request`
 * and its answer into a `Response`, which costs more CPU than the sign-up itself. So the common case,
 * one JSON mutation (what `httpLink` sends), is answered here from the same public pieces tRPC's
 * resolver uses: callTRPCProcedure, getTRPCErrorShape, getHTTPStatusCode, transformTRPCResponse.
 * Everything else (batches, queries, streaming) goes through tRPC's own request resolution. Either
 * way the body has been read first, as `POST /users` reads it (readTrpcInput), so that no request
 * reaches tRPC with a body that is too large, not JSON or cut short. The answers must stay byte for byte tRPC's:
 * test/trpc-node.test.ts holds the two paths against each other, so an upgrade of @trpc/server
 * (pinned in package.json) that changes the wire format fails it.
 */
export function createTrpcNodeHandler({ router, endpoint, context }: TrpcDoorOptions) {
  const config = router._def._config;
  const prefix = `${endpoint}/`;

  function send(response: ServerResponse, ctx: Context, status: number, body: unknown): void {
    sendText(response, ctx, status, JSON.stringify(transformTRPCResponse(config, body as never)));
  }

  function sendText(response: ServerResponse, ctx: Context, status: number, text: string): void {
    discardUnreadBody(response);
    response
      .writeHead(status, {
        ...ctx.request?.responseHeaders,
        vary: [...varySetBefore(response), "trpc-accept, accept"].join(", "),
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
        ...errorHeaders(status),
      })
      .end(text);
  }

  async function answerMutation(response: ServerResponse, path: string, input: unknown, ctx: Context): Promise<void> {
    try {
      const data = await callTRPCProcedure({
        router,
        path,
        type: "mutation",
        ctx,
        getRawInput: async () => config.transformer.input.deserialize(input),
        signal: undefined,
        batchIndex: 0,
      });
      send(response, ctx, 200, { result: { data } });
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const shape = getTRPCErrorShape({ config, error, type: "mutation", path, input, ctx });
      send(response, ctx, getHTTPStatusCode({ error: shape }), { error: shape });
    }
  }

  function resolveWithTrpc(request: IncomingMessage, response: ServerResponse, path: string, ctx: Context): Promise<void> {
    return nodeHTTPRequestHandler({
      req: request,
      res: response,
      router,
      path,
      maxBodySize: MAX_BODY_BYTES,
      maxBatchSize: MAX_CALLS_PER_REQUEST,
      responseMeta: (meta) => {
        const { headers } = trpcResponseMeta({ ...meta, ctx });
        // tRPC sets its own Vary over the one set before; a list is appended to it instead.
        return { headers: { ...headers, vary: varySetBefore(response) } };
      },
      createContext: () => ctx,
    });
  }

  /** A single POST to a mutation, with no query and no streaming (its body is already read). */
  function isPlainMutation(request: IncomingMessage, path: string): boolean {
    const { headers } = request;
    return (
      request.method === "POST" &&
      Object.hasOwn(router._def.procedures, path) &&
      (router._def.procedures[path] as { _def: { type: string } })._def.type === "mutation" &&
      headers["trpc-accept"] === undefined &&
      !headers.accept?.includes("application/jsonl")
    );
  }

  return async (request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> => {
    const [pathname = "", query] = (request.url ?? "").split("?", 2);
    const path = pathname.slice(prefix.length);
    const admitted = fromNodeRequest(request, requestId, context.config.server.trustedProxies);
    // Each request gets its own context: what the door read of the request, and the headers the rules add.
    const ctx = forRequest(context, admitted);
    let input: unknown;
    try {
      input = await readTrpcInput(admitted);
    } catch (cause) {
      const { status, body } = trpcErrorAnswer(router, { path, cause, context: ctx });
      return sendText(response, ctx, status, body);
    }
    if (query === undefined && isPlainMutation(request, path)) return answerMutation(response, path, input, ctx);
    // tRPC reads a body that is already read from `request.body`.
    if (input !== undefined) Object.assign(request, { body: JSON.stringify(input) });
    return resolveWithTrpc(request, response, path, ctx);
  };
}

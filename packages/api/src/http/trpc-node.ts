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
import { clientAddressOf } from "../limits/client-address.ts";
import { isJson, MAX_BODY_BYTES } from "../rest/body.ts";

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
 * Everything else (batches, queries, streaming, chunked or oversized bodies, bodies that are not
 * JSON) goes through tRPC's own request resolution. The answers must stay byte for byte tRPC's:
 * test/trpc-node.test.ts holds the two paths against each other, so an upgrade of @trpc/server
 * (pinned in package.json) that changes the wire format fails it.
 */
export function createTrpcNodeHandler({ router, endpoint, context }: TrpcDoorOptions) {
  const config = router._def._config;
  const prefix = `${endpoint}/`;

  function send(response: ServerResponse, ctx: Context, status: number, body: unknown): void {
    const text = JSON.stringify(transformTRPCResponse(config, body as never));
    response
      .writeHead(status, {
        ...ctx.request?.responseHeaders,
        vary: "trpc-accept, accept",
        "content-type": "application/json",
        "content-length": Buffer.byteLength(text),
      })
      .end(text);
  }

  async function answerMutation(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    ctx: Context,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      // tRPC's resolver has its own answer for a body that is not JSON: hand it the text.
      Object.assign(request, { body: text });
      return resolveWithTrpc(request, response, path, ctx);
    }
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
      createContext: () => ctx,
      responseMeta: () => ({ headers: ctx.request?.responseHeaders }),
    });
  }

  /** A single POST of a JSON body of known, small length to a mutation, with no query and no streaming. */
  function isPlainMutation(request: IncomingMessage, path: string): boolean {
    const { headers } = request;
    const length = Number(headers["content-length"]);
    return (
      request.method === "POST" &&
      Object.hasOwn(router._def.procedures, path) &&
      (router._def.procedures[path] as { _def: { type: string } })._def.type === "mutation" &&
      length > 0 &&
      length <= MAX_BODY_BYTES &&
      isJson(headers["content-type"]) &&
      headers["trpc-accept"] === undefined &&
      !headers.accept?.includes("application/jsonl")
    );
  }

  return (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const [pathname = "", query] = (request.url ?? "").split("?", 2);
    const path = pathname.slice(prefix.length);
    // Each request gets its own context: the client's address and Idempotency-Key, and the headers the rules add.
    const ctx = forRequest(
      context,
      clientAddressOf(request, context.config.server.trustedProxies),
      request.headers["idempotency-key"]?.toString(),
    );
    if (query === undefined && isPlainMutation(request, path)) return answerMutation(request, response, path, ctx);
    return resolveWithTrpc(request, response, path, ctx);
  };
}

import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  type AnyTRPCRouter,
} from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getHTTPStatusCode } from "@trpc/server/http";
import { MethodNotAllowedError } from "../errors.ts";
import { readJsonBody } from "../http/body.ts";
import type { HttpRequest, HttpResponse, ResponseHeaders } from "../http/exchange.ts";
import { failureHeaders } from "../http/failures.ts";
import type { Services } from "../http/services.ts";
import { toTrpcError, type TrpcContext } from "./init.ts";

/**
 * tRPC's `maxBatchSize`: one call per request, so one request is at most one sign-up, and whatever
 * counts requests (a rate limiter in front of the doors) counts sign-ups.
 */
const MAX_CALLS_PER_REQUEST = 1;

/** Where the door is mounted. */
export const TRPC_ENDPOINT = "/api/trpc";

/**
 * The tRPC door, a route like the others (`/api/trpc/{procedure}`). The body is read first, as
 * `POST /users` reads it (JSON only, at most MAX_BODY_BYTES whatever the framing, valid UTF-8 and
 * JSON; none reads as `{}`), so that no request reaches tRPC with a body that is too large, not
 * JSON or cut short. The common case, one JSON mutation (what `httpLink` sends), is answered here
 * from the public pieces tRPC's resolver uses (callTRPCProcedure, getTRPCErrorShape,
 * getHTTPStatusCode, transformTRPCResponse), because tRPC's own adapters build a Fetch `Request`
 * and `Response` for each call, which costs more CPU than the sign-up. Everything else (batches,
 * queries, streaming) goes through tRPC's own resolver. The answers stay byte for byte tRPC's:
 * test/trpc-door.test.ts holds them against tRPC's fetch adapter, so an upgrade of @trpc/server
 * (pinned in package.json) that changes the wire format fails it.
 */
export function trpcDoor(router: AnyTRPCRouter) {
  const config = router._def._config;

  function answer(ctx: TrpcContext, status: number, body: unknown, cause?: unknown): HttpResponse {
    return {
      status,
      headers: {
        ...ctx.request!.responseHeaders,
        vary: "trpc-accept, accept",
        "content-type": "application/json",
        ...(cause === undefined ? {} : failureHeaders(cause, status)),
      },
      body: JSON.stringify(transformTRPCResponse(config, body as never)),
    };
  }

  /** A failure before any procedure ran, in tRPC's envelope with `POST /users`' sentence. */
  function refusal(ctx: TrpcContext, path: string, cause: unknown): HttpResponse {
    const shape = getTRPCErrorShape({ config, error: toTrpcError(cause), type: "unknown", path, input: undefined, ctx });
    return answer(ctx, getHTTPStatusCode({ error: shape }), { error: shape }, cause);
  }

  async function answerMutation(ctx: TrpcContext, path: string, input: unknown): Promise<HttpResponse> {
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
      return answer(ctx, 200, { result: { data } });
    } catch (thrown) {
      const error = getTRPCErrorFromUnknown(thrown);
      const shape = getTRPCErrorShape({ config, error, type: "mutation", path, input, ctx });
      return answer(ctx, getHTTPStatusCode({ error: shape }), { error: shape }, error.cause ?? error);
    }
  }

  async function resolveWithTrpc(request: HttpRequest, path: string, input: unknown, ctx: TrpcContext, query: string): Promise<HttpResponse> {
    const body = request.method === "POST" ? JSON.stringify(input) : undefined;
    const fetchRequest = new Request(`http://localhost${TRPC_ENDPOINT}/${path}${query}`, { method: request.method, headers: request.headers(), body });
    const response = await fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: fetchRequest,
      router,
      maxBatchSize: MAX_CALLS_PER_REQUEST,
      responseMeta: ({ errors }) => ({
        headers: {
          ...ctx.request!.responseHeaders,
          ...(errors.some(({ code }) => code === "SERVICE_UNAVAILABLE") ? failureHeaders(undefined, 503) : {}),
        },
      }),
      createContext: () => ctx,
    });
    const headers: ResponseHeaders = Object.fromEntries([...response.headers].filter(([name]) => name !== "set-cookie"));
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers["Set-Cookie"] = cookies;
    return { status: response.status, headers, body: await response.text() };
  }

  /** A single POST to a mutation, with no query and no streaming (its body is already read). */
  function isPlainMutation(request: HttpRequest, path: string, query: string): boolean {
    const procedure = Object.hasOwn(router._def.procedures, path) ? (router._def.procedures[path] as { _def: { type: string } }) : undefined;
    return (
      query === "" &&
      request.method === "POST" &&
      procedure?._def.type === "mutation" &&
      request.header("trpc-accept") === undefined &&
      !request.header("accept")?.includes("application/jsonl")
    );
  }

  return async (request: HttpRequest, services: Services): Promise<HttpResponse> => {
    const path = request.params.procedure!;
    const query = request.query;
    const { requester, header, fromForeignSite } = request;
    const ctx: TrpcContext = { services, request: { requester, header, fromForeignSite, responseHeaders: {} } };
    let input: unknown;
    try {
      input = request.method === "POST" ? await readJsonBody(request) : undefined;
    } catch (cause) {
      return refusal(ctx, path, cause);
    }
    if (isPlainMutation(request, path, query)) return answerMutation(ctx, path, input);
    return resolveWithTrpc(request, path, input, ctx, query);
  };
}

/** How the door refuses a method it does not answer: tRPC's envelope, `POST /users`' sentence. */
export function trpcMethodRefusal(router: AnyTRPCRouter): (allow: string, params: Record<string, string>) => HttpResponse {
  const config = router._def._config;
  return (allow, { procedure }) => {
    const error = toTrpcError(new MethodNotAllowedError());
    const shape = getTRPCErrorShape({ config, error, type: "unknown", path: procedure, input: undefined, ctx: undefined });
    return {
      status: 405,
      headers: { Allow: allow, vary: "trpc-accept, accept", "content-type": "application/json" },
      body: JSON.stringify(transformTRPCResponse(config, { error: shape })),
    };
  };
}

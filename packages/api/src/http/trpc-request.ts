import { getTRPCErrorShape, transformTRPCResponse, type AnyTRPCRouter } from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";
import type { Context, ResponseHeaders } from "../context.ts";
import { errorHeaders } from "../errors.ts";
import { MethodNotAllowedError, readJsonBody } from "../rest/body.ts";
import { toTrpcError } from "../trpc.ts";
import type { HttpRequest } from "./exchange.ts";

/**
 * tRPC's `maxBatchSize` for both tRPC doors: one call per request, so one request is at most one
 * sign-up, and whatever counts requests (a rate limiter in front of the doors) counts sign-ups.
 */
export const MAX_CALLS_PER_REQUEST = 1;

/**
 * What the tRPC doors admit before tRPC sees a request, whichever server received it: GET (and HEAD)
 * for queries, and POST with a body read exactly as `POST /users` reads it (JSON only, at most
 * MAX_BODY_BYTES whatever the framing, valid UTF-8 and valid JSON; no body reads as `{}`), so a
 * client's mistake is a 4xx with the same sentence, never a 500. Returns the parsed body of a POST.
 */
export async function readTrpcInput(request: HttpRequest): Promise<unknown> {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  if (request.method !== "POST") throw new MethodNotAllowedError();
  return readJsonBody(request);
}

/**
 * tRPC's `responseMeta` for both doors: the headers the rules added for this request (rate-limit
 * counts, `Idempotent-Replayed`) and those that go with an error's status (`Retry-After`).
 */
export function trpcResponseMeta({ errors, ctx }: { errors: { code: string }[]; ctx?: Context }): {
  headers: ResponseHeaders;
} {
  const unavailable = errors.some(({ code }) => code === "SERVICE_UNAVAILABLE");
  return { headers: { ...ctx?.request?.responseHeaders, ...(unavailable ? errorHeaders(503) : {}) } };
}

/** A failure as tRPC answers it: its status and its error envelope, the sentence being `POST /users`'s. */
export function trpcErrorAnswer(
  router: AnyTRPCRouter,
  { path, cause, context }: { path: string; cause: unknown; context: Context },
): { status: number; body: string } {
  const config = router._def._config;
  const error = toTrpcError(cause);
  const shape = getTRPCErrorShape({ config, error, type: "unknown", path, input: undefined, ctx: context });
  return { status: getHTTPStatusCode({ error: shape }), body: JSON.stringify(transformTRPCResponse(config, { error: shape })) };
}

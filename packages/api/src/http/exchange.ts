import { randomUUID } from "node:crypto";
import { errorHeaders, toErrorBody } from "../errors.ts";

/**
 * A request as the doors' cores see it, whichever server received it: the node:http server of
 * `pnpm start` or a Fetch-API route handler. Adapters (node.ts, fetch.ts) build it and send the answer.
 */
export interface HttpRequest {
  method: string;
  /** A header's value by its lower-case name; undefined when the request has none. */
  header(name: string): string | undefined;
  /** The body as it arrives, to be read at most once; null when the request has none. */
  body: AsyncIterable<Uint8Array> | null;
  /** What the answer's `X-Request-Id` says: see requestIdOf. */
  requestId: string;
  /** The client's address, for rate limiting (see clientAddressOf); undefined where the adapter cannot know it. */
  clientAddress: string | undefined;
}

/** An answer's headers by name; a list where a header repeats, as `Set-Cookie` does (one cookie each). */
export type ResponseHeaders = Record<string, string | string[]>;

/** An answer, written by the adapter as it is: status, headers and a (JSON) text body. */
export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: string;
}

/** The caller's `X-Request-Id` when it sent a reasonable one, else a new one. */
export function requestIdOf(given: string | null | undefined): string {
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export function jsonResponse(status: number, body: unknown, headers: ResponseHeaders = {}): HttpResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** A failure's answer, whichever door or route it came from: the one mapping (toErrorBody), its status's headers, and `headers`. */
export function errorResponse(error: unknown, headers?: ResponseHeaders): HttpResponse {
  const body = toErrorBody(error);
  return jsonResponse(body.code, body, { ...errorHeaders(body.code), ...headers });
}

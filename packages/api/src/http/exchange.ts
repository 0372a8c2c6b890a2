import { randomUUID } from "node:crypto";
import type { Requester } from "../requester.ts";

/**
 * A request as the routes see it, read by the node:http adapter (node.ts) after the pipeline's
 * steps: routed on its normalised path, from a client whose address is known.
 */
export interface HttpRequest {
  method: string;
  /** The path's parameters, by the names the route table gives them (`/users/{id}`: `id`), decoded. */
  params: Record<string, string>;
  /** The query string as sent, with its `?`; empty when there is none. */
  query: string;
  /** A header's value by its lower-case name; undefined when the request has none. */
  header(name: string): string | undefined;
  /** Every header, for a door that hands the request on (tRPC's resolver). */
  headers(): Headers;
  /** The body as it arrives, to be read at most once; null when the request has none. */
  body: AsyncIterable<Uint8Array> | null;
  /** Who asks: the answer's request id, the client's address, its user agent. */
  requester: Requester;
  /** Sent by a browser from a page of a site that may not act here (see http/cors.ts, isFromForeignSite). */
  fromForeignSite: boolean;
}

/** An answer's headers by name; a list where a header repeats, as `Set-Cookie` does (one cookie each). */
export type ResponseHeaders = Record<string, string | string[]>;

/** An answer, written by the adapter as it is: status, headers and a (JSON) text body. */
export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: string;
}

/** A route's answer to a request, whichever it is. */
export type Handler<Services> = (request: HttpRequest, services: Services) => Promise<HttpResponse>;

/** The caller's `X-Request-Id` when it sent a reasonable one, else a new one. */
export function requestIdOf(given: string | null | undefined): string {
  return given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export function jsonResponse(status: number, body: unknown, headers: ResponseHeaders = {}): HttpResponse {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
}

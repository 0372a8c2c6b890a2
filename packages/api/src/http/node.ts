import type { IncomingMessage, ServerResponse } from "node:http";
import { clientAddressOf } from "../limits/client-address.ts";
import type { HttpRequest, HttpResponse } from "./exchange.ts";

/**
 * The node:http side of a door: the request as the core reads it, from a client whose address is
 * the peer's, or forwarded by one of `trustedProxies` (SERVER_TRUSTED_PROXIES)...
 */
export function fromNodeRequest(request: IncomingMessage, requestId: string, trustedProxies: string[] = []): HttpRequest {
  const { "content-length": length, "transfer-encoding": encoding } = request.headers;
  return {
    method: request.method ?? "GET",
    header: (name) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    // HTTP/1.1: a message has a body when it declares a length above zero or a transfer encoding.
    // A reader that stops early (a body over the limit) leaves the socket open for the answer.
    body: length === "0" || (length === undefined && encoding === undefined) ? null : request.iterator({ destroyOnReturn: false }),
    requestId,
    clientAddress: clientAddressOf(request, trustedProxies),
  };
}

/** ...and the core's answer, written as it is. */
export function sendNodeResponse(response: ServerResponse, { status, headers, body }: HttpResponse): void {
  discardUnreadBody(response);
  response.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) }).end(body);
}

/**
 * When the answer comes before the request's body was read to its end (refused as too large, say),
 * the rest is read and dropped as it arrives, never kept: the client sees the answer while it is
 * still sending and can stop, and the connection stays usable. (Closing it instead could lose the
 * answer to a reset while the client still writes.)
 */
export function discardUnreadBody(response: ServerResponse): void {
  if (!response.req.complete) response.req.resume();
}

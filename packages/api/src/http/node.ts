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
    body: length === "0" || (length === undefined && encoding === undefined) ? null : request,
    requestId,
    clientAddress: clientAddressOf(request, trustedProxies),
  };
}

/** ...and the core's answer, written as it is. */
export function sendNodeResponse(response: ServerResponse, { status, headers, body }: HttpResponse): void {
  response.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) }).end(body);
}

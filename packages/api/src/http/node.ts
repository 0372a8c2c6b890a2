import type { IncomingMessage, ServerResponse } from "node:http";
import type { Requester } from "../requester.ts";
import type { HttpRequest, HttpResponse } from "./exchange.ts";

/** The node:http request as the routes read it, with what the pipeline learned of it. */
export function fromNodeRequest(
  request: IncomingMessage,
  { requester, params }: { requester: Requester; params: Record<string, string> },
): HttpRequest {
  const queryStart = request.url?.indexOf("?") ?? -1;
  const { "content-length": length, "transfer-encoding": encoding } = request.headers;
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  return {
    method: request.method ?? "GET",
    params,
    query: queryStart === -1 ? "" : request.url!.slice(queryStart),
    header,
    headers: () => {
      const all = new Headers();
      for (const name of Object.keys(request.headers)) all.set(name, header(name)!);
      return all;
    },
    // HTTP/1.1: a message has a body when it declares a length above zero or a transfer encoding.
    // A reader that stops early (a body over the limit) leaves the socket open for the answer.
    body: length === "0" || (length === undefined && encoding === undefined) ? null : request.iterator({ destroyOnReturn: false }),
    requester,
  };
}

/**
 * Writes an answer as it is, beside the headers the pipeline set before it (request id, security
 * headers, CORS); a `Vary` of the answer's own is added to the one set before.
 */
export function sendNodeResponse(response: ServerResponse, { status, headers, body }: HttpResponse): void {
  discardUnreadBody(response);
  const varySetBefore = response.getHeader("vary");
  const vary = headers.vary ?? headers.Vary;
  const merged = vary !== undefined && varySetBefore !== undefined ? { vary: `${String(varySetBefore)}, ${String(vary)}` } : {};
  response.writeHead(status, { ...headers, ...merged, "Content-Length": Buffer.byteLength(body) }).end(body);
}

/**
 * When the answer comes before the request's body was read to its end (refused as too large, say),
 * the rest is read and dropped as it arrives, never kept: the client sees the answer while it is
 * still sending and can stop, and the connection stays usable. (Closing it instead could lose the
 * answer to a reset while the client still writes.)
 */
function discardUnreadBody(response: ServerResponse): void {
  if (!response.req.complete) response.req.resume();
}

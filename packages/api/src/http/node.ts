import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Requester } from "../requester.ts";
import type { HttpRequest, HttpResponse } from "./exchange.ts";

/** The node:http request as the routes read it, with what the pipeline learned of it. */
export function fromNodeRequest(
  request: IncomingMessage,
  { requester, params, fromForeignSite }: { requester: Requester; params: Record<string, string>; fromForeignSite: boolean },
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
    fromForeignSite,
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

/** How long a client whose body was refused unread may go on sending (read and dropped) before its connection is closed. */
const LINGER_MS = 2_000;

/**
 * When the answer comes before the request's body was read to its end (refused as too large, say),
 * the connection is closed after it (`Connection: close`), but not at once: Node destroys such a
 * socket as soon as the answer is written, and a client that is still sending would then get a
 * reset and could lose the answer. So the write side is closed, what still comes is read and
 * dropped, and the socket is destroyed when the client closes it, or after LINGER_MS at the latest.
 */
function discardUnreadBody(response: ServerResponse): void {
  const { req: request, socket } = response;
  if (request.complete || !socket) return;
  response.setHeader("Connection", "close");
  request.resume();
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

const CLIENT_ERRORS: Record<string, [status: number, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout"],
  ERR_HTTP_HEADERS_TIMEOUT: [408, "Request Timeout"],
};

/**
 * The server's `clientError`: a request Node could not parse (bad framing, a NUL in a header, an
 * unknown method, headers over the limit) or that took too long is answered in the contract's
 * shape, `{code, message}`, and its connection closed; nothing is written to a socket that is gone.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // An answer still being written on this connection (the request before, kept alive) must not be cut into.
  const answering = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || answering) {
    socket.destroy();
    return;
  }
  const [status, message] = CLIENT_ERRORS[error.code ?? ""] ?? [400, "Bad Request"];
  const body = JSON.stringify({ code: status, message });
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}

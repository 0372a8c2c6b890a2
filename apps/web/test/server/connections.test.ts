import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";

/**
 * What the server does with requests that Node itself refuses, with slow clients, with too many
 * connections and with a body it will not read: always an answer in the contract's shape when
 * there is anyone to read it, and never a connection held for as long as the client likes.
 */
const MAX_CONNECTIONS = 8;
const running = appOnFreshDatabase({ SERVER_HEADERS_TIMEOUT: "1s", SERVER_REQUEST_TIMEOUT: "2s", SERVER_MAX_CONNECTIONS: String(MAX_CONNECTIONS) });

interface RawExchange {
  /** Everything the server sent before it closed the connection. */
  received: string;
  /** How long the connection stayed open after it was made, in ms. */
  openForMs: number;
}

function open(): Promise<Socket> {
  const { hostname, port } = new URL(running.app.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket)).on("error", reject);
  });
}

/** Writes `bytes` on a new connection and collects what comes back until the server closes it (at most `waitMs`). */
async function exchange(bytes: string | Buffer, waitMs = 10_000): Promise<RawExchange> {
  const socket = await open();
  const started = Date.now();
  let received = "";
  socket.on("data", (chunk) => (received += chunk));
  socket.write(bytes);
  await new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.on("error", () => {});
    setTimeout(() => {
      socket.destroy();
      resolve();
    }, waitMs).unref();
  });
  return { received, openForMs: Date.now() - started };
}

function parse(received: string) {
  const [head = "", body = ""] = received.split("\r\n\r\n", 2);
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  return { status: Number(statusLine?.split(" ")[1]), headers, body: body ? JSON.parse(body) : body };
}

describe("a request Node cannot parse", () => {
  it.each([
    ["bad framing", "POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
    ["a NUL in a header", "GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0000b\r\n\r\n"],
    ["an unknown method", "BREW /users HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a line that is not HTTP", "hello\r\n\r\n"],
  ])("is answered 400 in the contract's shape, and its connection closed (%s)", async (_name, bytes) => {
    const { received } = await exchange(bytes);

    expect(parse(received)).toMatchObject({ status: 400, headers: { connection: "close", "content-type": "application/json" }, body: { code: 400, message: "Bad Request" } });
  });

  it("with headers over the limit is answered 431", async () => {
    const { received } = await exchange(`GET /health/alive HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);

    expect(parse(received)).toMatchObject({ status: 431, headers: { connection: "close" }, body: { code: 431, message: "Request Header Fields Too Large" } });
  });
});

describe("a slow client", () => {
  it("that never finishes its headers is answered 408 and let go after SERVER_HEADERS_TIMEOUT", async () => {
    const { received, openForMs } = await exchange("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: app");

    expect(parse(received)).toMatchObject({ status: 408, body: { code: 408, message: "Request Timeout" } });
    expect(openForMs).toBeLessThan(4_000);
  });

  it("that never finishes its body is let go after SERVER_REQUEST_TIMEOUT", async () => {
    const { openForMs } = await exchange("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em");

    expect(openForMs).toBeLessThan(5_000);
  });
});

describe("connections past SERVER_MAX_CONNECTIONS", () => {
  it("are closed as they arrive, and served again once others have gone", async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
    try {
      const { received, openForMs } = await exchange("GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n", 3_000);
      expect(received).toBe("");
      expect(openForMs).toBeLessThan(2_000);
    } finally {
      for (const socket of held) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(`${running.app.url}/health/alive`)).status).toBe(200);
  });
});

describe("a body refused before it is read", () => {
  it("gets its 413 with Connection: close, and the connection ends soon although the client keeps sending", async () => {
    const socket = await open();
    let received = "";
    let sent = 0;
    socket.on("data", (chunk) => (received += chunk));
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n");
    const chunk = Buffer.alloc(64 * 1024, "a");
    const started = Date.now();
    let connected = true;
    void closed.then(() => (connected = false));
    // Keeps sending for up to 10 s, as a client that does not read its answer would.
    while (connected && Date.now() - started < 10_000) {
      if (!socket.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
      sent += chunk.length;
    }
    socket.destroy();

    expect(parse(received)).toMatchObject({ status: 413, headers: { connection: "close" }, body: { code: 413, message: "Payload Too Large" } });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(sent).toBeLessThan(1024 * 1024 * 1024);
  });
});

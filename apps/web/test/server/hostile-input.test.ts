import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";
import { callMutation, error, postUser, send } from "../support/rest.ts";

const running = appOnFreshDatabase();

const MiB = 1024 * 1024;

/**
 * POSTs up to `total` bytes of a never-ending JSON string to `path`, declared or chunked, and
 * resolves with the answer's status and how much had been sent when it came.
 */
function postHuge(path: string, framing: "declared" | "chunked", total = 300 * MiB): Promise<{ status: number; sent: number }> {
  const url = new URL(path, running.app.url);
  const headers: Record<string, string | number> = { "Content-Type": "application/json" };
  if (framing === "declared") headers["Content-Length"] = total;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const outgoing = httpRequest(url, { method: "POST", headers }, (response) => {
      answered = true;
      response.resume();
      resolve({ status: response.statusCode!, sent });
      outgoing.destroy();
    });
    outgoing.on("error", (cause) => answered || reject(cause));
    const chunk = Buffer.alloc(64 * 1024, "a");
    const write = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!outgoing.write(chunk)) return void outgoing.once("drain", write);
      }
      if (!answered) outgoing.end();
    };
    outgoing.write('{"email":"');
    write();
  });
}

/** A request that fetch refuses to send (TRACE), over node:http: its status and parsed body. */
function rawRequest(method: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    httpRequest(new URL(path, running.app.url), { method }, async (response) => {
      let text = "";
      for await (const chunk of response) text += chunk;
      resolve({ status: response.statusCode!, body: text ? JSON.parse(text) : text });
    })
      .on("error", reject)
      .end();
  });
}

describe("a body far over the limit", () => {
  it.each([
    ["/api/trpc/users.create", "declared"],
    ["/api/trpc/users.create", "chunked"],
    ["/users", "declared"],
    ["/users", "chunked"],
  ] as const)("on %s, %s, is refused with 413 long before it is all sent", async (path, framing) => {
    const { status, sent } = await postHuge(path, framing);

    expect(status).toBe(413);
    expect(sent).toBeLessThan(64 * MiB);
    expect((await fetch(`${running.app.url}/users`)).status).toBe(405);
  });
});

describe("client mistakes on the tRPC door", () => {
  it.each([
    ["malformed JSON", "{oops", 400, "request body must be valid JSON"],
    ["truncated JSON", '{"email":"a@exa', 400, "request body must be valid JSON"],
    ["an empty body", "", 400, "email is a required field"],
  ])("answers %s with 400 and the sentence of POST /users", async (_what, body, status, message) => {
    const answer = await send(running.app.url, "/api/trpc/users.create", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });

    expect(answer).toMatchObject({ status, body: { error: { message, data: { httpStatus: status } } } });
  });

  it("answers a multipart body with 415", async () => {
    const form = new FormData();
    form.set("email", "multipart@example.com");
    const answer = await send(running.app.url, "/api/trpc/users.create", { method: "POST", body: form });

    expect(answer).toMatchObject({ status: 415, body: { error: { message: "Unsupported Media Type" } } });
  });

  it("answers invalid UTF-8 with 400 on both doors", async () => {
    const body = Buffer.from([...Buffer.from('{"email":"a'), 0xff, ...Buffer.from('@example.com"}')]);
    const headers = { "Content-Type": "application/json" };
    const rest = await send(running.app.url, "/users", { method: "POST", headers, body });
    const trpc = await send(running.app.url, "/api/trpc/users.create", { method: "POST", headers, body });

    expect(rest).toMatchObject({ status: 400, body: error(400, "request body must be valid JSON") });
    expect(trpc).toMatchObject({ status: 400, body: { error: { message: "request body must be valid JSON" } } });
  });

  it("refuses a batch of 200 sign-ups and writes nothing", async () => {
    const calls = Array.from({ length: 200 }, (_, index) => [index, { email: `batch-${index}@example.com` }]);
    const answer = await send(running.app.url, `/api/trpc/${Array(200).fill("users.create").join(",")}?batch=1`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.fromEntries(calls)),
    });

    expect(answer.status).toBe(400);
    expect(await running.db.email.count({ where: { address: { startsWith: "batch-" } } })).toBe(0);
  });

  it.each(["TRACE", "PUT", "DELETE", "OPTIONS"])("answers %s with 405 in tRPC's envelope", async (method) => {
    const answer = await rawRequest(method, "/api/trpc/users.create");

    expect(answer).toMatchObject({ status: 405, body: { error: { message: "Method Not Allowed" } } });
  });
});

describe("addresses that cannot be stored as they are, or look like another", () => {
  it.each([
    ["a NUL", "nul\u0000@example.com"],
    ["a lone surrogate", "lone\ud800@example.com"],
    ["a zero-width joiner", "pay\u200dpal@example.com"],
    ["a right-to-left override", "moc.\u202eevil@example.com"],
  ])("refuses %s with the invalid-address 400 on both doors, and writes nothing", async (_what, email) => {
    const rest = await postUser(running.app.url, { email });
    const trpc = await callMutation(running.app.url, "users.create", { email });

    expect(rest).toMatchObject({ status: 400, body: error(400, "email must be a valid email address") });
    expect(trpc).toMatchObject({ status: 400, body: { error: { message: "email must be a valid email address" } } });
    expect(await running.db.email.count({ where: { address: { contains: "example.com" } } })).toBe(0);
  });

  it("stores a decomposed address composed, so that both spellings are one account", async () => {
    const first = await postUser(running.app.url, { email: "Jose\u0301@example.org" });
    const second = await callMutation(running.app.url, "users.create", { email: "jos\u00e9@example.org" });

    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(await running.db.email.findFirst({ where: { address: { endsWith: "@example.org" } } })).toMatchObject({
      address: "jos\u00e9@example.org",
    });
  });
});

describe("every answer", () => {
  it.each(["/", "/docs", "/openapi.json", "/users", "/api/trpc/users.create", "/no-such-page"])(
    "from %s has the security headers, and no page may frame it",
    async (path) => {
      const { headers } = await fetch(`${running.app.url}${path}`);

      expect(headers.get("x-content-type-options")).toBe("nosniff");
      expect(headers.get("referrer-policy")).toBe("no-referrer");
      expect(headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(headers.get("x-frame-options")).toBe("SAMEORIGIN");
    },
  );

  it("to TRACE /users is the 405 of the contract", async () => {
    expect(await rawRequest("TRACE", "/users")).toEqual({ status: 405, body: error(405, "Method Not Allowed") });
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import {
  fetchHandler,
  fromNodeRequest,
  handleUsers,
  loadConfig,
  MAX_BODY_BYTES,
  openSigningKeys,
  requestIdOf,
  sendNodeResponse,
  type Context,
} from "../src/index.ts";

/**
 * `/users` has one core and two adapters: node:http (Enroll's server) and Fetch (Next's route
 * handler, where Next serves alone). Whatever the request, both must answer alike.
 */
let db: Database;
let context: Context;
let server: Server;
let nodeUrl: string;
const fetchDoor = () => fetchHandler(handleUsers, () => context);

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  context = { db, keys: await openSigningKeys(db, []), config: loadConfig({}) };
  server = createServer(async (request, response) => {
    const requestId = requestIdOf(request.headers["x-request-id"] as string | undefined);
    response.setHeader("X-Request-Id", requestId);
    sendNodeResponse(response, await handleUsers(fromNodeRequest(request, requestId), context));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  nodeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/users`;
  await db.email.create({ data: { address: "taken@example.com", user: { create: {} } } });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.$disconnect();
});

async function read(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    allow: response.headers.get("allow"),
    requestId: response.headers.get("x-request-id"),
    body: (await response.text()).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "<uuid>"),
  };
}

let fresh = 0;
const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", "X-Request-Id": "same-id" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const chunked = (text: string) =>
  new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

const cases: [string, () => RequestInit][] = [
  ["a new address", () => json({ email: `new-${(fresh += 1)}@example.com` })],
  ["a taken address", () => json({ email: "Taken@example.com" })],
  ["an invalid address", () => json({ email: "a@b" })],
  ["no body", () => ({ method: "POST", headers: { "X-Request-Id": "same-id" } })],
  ["a body that is not JSON", () => json("{oops")],
  ["a body that is not UTF-8", () => ({ ...json(""), body: new Uint8Array([0x7b, 0xff, 0x7d]) })],
  ["a text body", () => ({ method: "POST", headers: { "Content-Type": "text/plain", "X-Request-Id": "same-id" }, body: "hi" })],
  ["a declared length over the limit", () => json(`{"email":"${"a".repeat(MAX_BODY_BYTES)}@example.com"}`)],
  [
    "a chunked body over the limit",
    () => ({ ...json(""), body: chunked(`{"email":"${"a".repeat(MAX_BODY_BYTES)}"}`), duplex: "half" }) as RequestInit,
  ],
  ["GET", () => ({ method: "GET", headers: { "X-Request-Id": "same-id" } })],
  ["DELETE", () => ({ method: "DELETE", headers: { "X-Request-Id": "same-id" } })],
];

describe("/users through node:http and through Fetch", () => {
  it.each(cases)("answers %s alike", async (_name, init) => {
    const throughNode = await read(await fetch(nodeUrl, init()));
    const throughFetch = await read(await fetchDoor()(new Request("http://localhost/users", init())));

    expect(throughFetch).toEqual(throughNode);
    expect(throughNode.requestId).toBe("same-id");
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { loadConfig } from "../src/config/index.ts";
import { MAX_BODY_BYTES } from "../src/http/body.ts";
import type { Services } from "../src/http/services.ts";
import { requestPipeline } from "../src/server/pipeline.ts";
import { routes } from "../src/server/routes.ts";
import { openSigningKeys } from "../src/sessions/keys.ts";
import { appRouter } from "../src/trpc/root.ts";

/**
 * The tRPC door answers plain mutations itself and everything else through tRPC's own resolver.
 * Either way it must give exactly what tRPC's own fetch adapter gives for the same request, and it
 * refuses a client's mistake before tRPC sees it, in tRPC's envelope with the sentence of POST /users.
 * The door is reached as every request reaches it: through the server's pipeline.
 */
let db: Database;
const services: Record<"open" | "closed", Services> = {} as never;
const servers: Server[] = [];
const doorUrl: Record<keyof typeof services, string> = {} as never;

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  const keys = await openSigningKeys(db, []);
  for (const [name, allowSignup] of [["open", "true"], ["closed", "false"]] as const) {
    services[name] = { db, keys, config: loadConfig({ ACCOUNT_ALLOW_SIGNUP: allowSignup, EMAIL_REQUIRE_VERIFICATION: "false" }) };
    const handle = requestPipeline({
      services: services[name],
      dev: false,
      pages: (_request, response) => response.writeHead(404).end(),
      listener: "public",
      routes,
    });
    const server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    doorUrl[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  await db.email.create({ data: { address: "taken@example.com", user: { create: {} } } });
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await db.$disconnect();
});

/** How many Fetch `Request` objects were made while `work` ran: tRPC's resolver makes one per request. */
async function requestsBuiltDuring<T>(work: () => Promise<T>): Promise<{ result: T; built: number }> {
  const original = globalThis.Request;
  let built = 0;
  globalThis.Request = new Proxy(original, {
    construct(target, args, newTarget) {
      built += 1;
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
  try {
    return { result: await work(), built };
  } finally {
    globalThis.Request = original;
  }
}

interface Answer {
  status: number;
  contentType: string | null;
  vary: string | null;
  body: string;
}

const sameIds = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>");

async function read(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    // The pipeline's CORS step adds `Origin` in front of the door's own.
    vary: response.headers.get("vary")?.replace(/^Origin, /, "") ?? null,
    body: sameIds(await response.text()),
  };
}

type Case = { name: string; path?: string; init: RequestInit; signUp?: keyof typeof services };

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

let fresh = 0;
const newAddress = () => `fresh-${process.pid}-${(fresh += 1)}@example.com`;

const plainMutations: (() => Case)[] = [
  () => ({ name: "a new address", init: json({ email: newAddress() }) }),
  () => ({ name: "a taken address", init: json({ email: "TAKEN@example.com" }) }),
  () => ({ name: "an invalid address", init: json({ email: "user@localhost" }) }),
  () => ({ name: "no email", init: json({}) }),
  () => ({ name: "a number for email", init: json({ email: 7 }) }),
  () => ({ name: "null", init: json(null) }),
  () => ({ name: "an array", init: json([1]) }),
  () => ({ name: "a charset", init: { ...json({ email: newAddress() }), headers: { "Content-Type": "application/json; charset=utf-8" } } }),
  () => ({ name: "sign-up closed", init: json({ email: newAddress() }), signUp: "closed" }),
];

const resolvedByTrpc: (() => Case)[] = [
  () => ({ name: "a batch of one", path: "/api/trpc/users.create?batch=1", init: json({ 0: { email: newAddress() } }) }),
  () => ({ name: "GET on a mutation", init: { method: "GET" } }),
  () => ({ name: "an unknown procedure", path: "/api/trpc/users.remove", init: json({}) }),
  () => ({ name: "a streaming call", init: { ...json({ email: newAddress() }), headers: { "Content-Type": "application/json", "trpc-accept": "application/jsonl" } } }),
];

const chunked = (text: string): RequestInit =>
  ({ ...json(""), body: new Blob([text]).stream(), duplex: "half" }) as RequestInit;
const oversized = JSON.stringify({ email: newAddress(), padding: "x".repeat(MAX_BODY_BYTES) });

/** Client mistakes: a 4xx with `POST /users`'s sentence in tRPC's envelope, never a 500. */
const refused: (() => Case & { status: number; message: string })[] = [
  () => ({ name: "malformed JSON", init: json("{oops"), status: 400, message: "request body must be valid JSON" }),
  () => ({ name: "truncated JSON", init: json('{"email":"cut@exam'), status: 400, message: "request body must be valid JSON" }),
  () => ({ name: "an empty body", init: json(""), status: 400, message: "email is a required field" }),
  () => ({ name: "invalid UTF-8", init: { ...json(""), body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) }, status: 400, message: "request body must be valid JSON" }),
  () => ({ name: "form data", init: { method: "POST", body: new URLSearchParams({ email: newAddress() }) }, status: 415, message: "Unsupported Media Type" }),
  () => ({ name: "a multipart body", init: { method: "POST", body: (() => { const form = new FormData(); form.set("email", newAddress()); return form; })() }, status: 415, message: "Unsupported Media Type" }),
  () => ({ name: "a declared body over the limit", init: json(oversized), status: 413, message: "Payload Too Large" }),
  () => ({ name: "a chunked body over the limit", init: chunked(oversized), status: 413, message: "Payload Too Large" }),
  () => ({ name: "a batch of two", path: "/api/trpc/users.create,users.create?batch=1", init: json({ 0: { email: newAddress() }, 1: { email: newAddress() } }), status: 400, message: "Batch call exceeds maximum size" }),
  () => ({ name: "PUT", init: { ...json({ email: newAddress() }), method: "PUT" }, status: 405, message: "Method Not Allowed" }),
  () => ({ name: "OPTIONS", init: { method: "OPTIONS" }, status: 405, message: "Method Not Allowed" }),
];

async function both(make: () => Case): Promise<{ door: Answer; reference: Answer; built: number }> {
  const { path = "/api/trpc/users.create", init, signUp = "open" } = make();
  const { result: door, built } = await requestsBuiltDuring(async () => read(await fetch(`${doorUrl[signUp]}${path}`, init)));
  const again = make();
  const request = new Request(`http://localhost${again.path ?? path}`, again.init);
  const reference = await read(
    await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: request,
      router: appRouter,
      maxBatchSize: 1,
      createContext: () => ({
        services: services[signUp],
        request: {
          requester: { requestId: "reference", address: "127.0.0.1", userAgent: undefined },
          header: (name: string) => request.headers.get(name) ?? undefined,
          fromForeignSite: false,
          responseHeaders: {},
        },
      }),
    }),
  );
  return { door, reference, built };
}

/** The door's answer to `make()`'s request. */
async function doorAnswer(make: () => Case): Promise<Answer> {
  const { path = "/api/trpc/users.create", init, signUp = "open" } = make();
  return read(await fetch(`${doorUrl[signUp]}${path}`, init));
}

describe("the node:http tRPC door", () => {
  it.each(plainMutations.map((make) => [make().name, make] as const))(
    "answers a plain mutation with %s as tRPC does, without building a Fetch Request",
    async (_name, make) => {
      const { door, reference, built } = await both(make);

      expect(door).toEqual(reference);
      expect(built).toBe(0);
    },
  );

  it.each(resolvedByTrpc.map((make) => [make().name, make] as const))(
    "hands %s to tRPC's own resolver",
    async (_name, make) => {
      const { door, reference, built } = await both(make);

      expect(door).toEqual(reference);
      expect(built).toBeGreaterThan(0);
    },
  );

  it.each(refused.map((make) => [make().name, make] as const))(
    "refuses %s in tRPC's envelope with the sentence of POST /users, and writes nothing",
    async (_name, make) => {
      const before = await db.email.count();
      const { status, message } = make();
      const door = await doorAnswer(make);

      expect(door).toMatchObject({ status, vary: "trpc-accept, accept" });
      expect(JSON.parse(door.body)).toEqual({
        error: { code: expect.any(Number), message, data: expect.objectContaining({ code: expect.any(String), httpStatus: status }) },
      });
      expect(await db.email.count()).toBe(before);
    },
  );
});

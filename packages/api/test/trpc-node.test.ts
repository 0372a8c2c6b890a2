import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { appRouter, createTrpcNodeHandler, loadConfig, type Context } from "../src/index.ts";

/**
 * The node:http tRPC door answers plain mutations itself and everything else through tRPC's own
 * resolver. Both must give exactly what tRPC's fetch adapter gives for the same request.
 */
let db: Database;
const contexts: Record<"open" | "closed", Context> = {} as never;
const servers: Server[] = [];
const doorUrl: Record<keyof typeof contexts, string> = {} as never;

beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  for (const [name, allowSignup] of [["open", "true"], ["closed", "false"]] as const) {
    contexts[name] = { db, config: loadConfig({ ACCOUNT_ALLOW_SIGNUP: allowSignup }) };
    const handle = createTrpcNodeHandler({ router: appRouter, endpoint: "/api/trpc", context: contexts[name] });
    const server = createServer((request, response) => void handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    doorUrl[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  await db.email.create({ data: { address: "taken@example.com", user: { create: {} } } });
  // tRPC's resolver answers a body that is not JSON with an INTERNAL_SERVER_ERROR, logged as unexpected.
  vi.spyOn(console, "error").mockImplementation(() => {});
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
    vary: response.headers.get("vary"),
    body: sameIds(await response.text()),
  };
}

type Case = { name: string; path?: string; init: RequestInit; signUp?: keyof typeof contexts };

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
  () => ({ name: "a body that is not JSON", init: json("{oops") }),
  () => ({ name: "a batch of one", path: "/api/trpc/users.create?batch=1", init: json({ 0: { email: newAddress() } }) }),
  () => ({ name: "a batch of two", path: "/api/trpc/users.create,users.create?batch=1", init: json({ 0: { email: newAddress() }, 1: { email: "taken@example.com" } }) }),
  () => ({ name: "GET on a mutation", init: { method: "GET" } }),
  () => ({ name: "an unknown procedure", path: "/api/trpc/users.remove", init: json({}) }),
  () => ({ name: "form data", init: { method: "POST", body: new URLSearchParams({ email: newAddress() }) } }),
  () => ({ name: "a streaming call", init: { ...json({ email: newAddress() }), headers: { "Content-Type": "application/json", "trpc-accept": "application/jsonl" } } }),
];

async function both(make: () => Case): Promise<{ door: Answer; reference: Answer; built: number }> {
  const { path = "/api/trpc/users.create", init, signUp = "open" } = make();
  const { result: door, built } = await requestsBuiltDuring(async () => read(await fetch(`${doorUrl[signUp]}${path}`, init)));
  const again = make();
  const reference = await read(
    await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: new Request(`http://localhost${again.path ?? path}`, again.init),
      router: appRouter,
      createContext: () => contexts[signUp],
    }),
  );
  return { door, reference, built };
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
});

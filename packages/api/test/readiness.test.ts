import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { loadConfig } from "../src/config/index.ts";
import type { HttpRequest } from "../src/http/exchange.ts";
import type { Services } from "../src/http/services.ts";
import { getReady } from "../src/rest/health.ts";
import { openSigningKeys } from "../src/sessions/keys.ts";

let db: Database;
let services: Services;
/** The queries the probes' client has sent to the database. */
let queries = 0;

/**
 * The services a server holds, on a client that counts every query it sends (Prisma's query
 * extension sees each one, raw ones included, before it goes to PostgreSQL).
 */
beforeAll(async () => {
  db = createDatabase(await createMigratedDatabase(inject("postgresUrl")));
  const counted = db.$extends({
    query: {
      $allOperations: ({ args, query }) => {
        queries++;
        return query(args);
      },
    },
  }) as unknown as Database;
  services = { db: counted, keys: await openSigningKeys(db, []), config: loadConfig({}) };
});
afterAll(() => db.$disconnect());

const probe: HttpRequest = {
  method: "GET",
  params: {},
  query: "",
  header: () => undefined,
  headers: () => new Headers(),
  body: null,
  requester: { requestId: "probe", address: "192.0.2.7", userAgent: undefined },
  fromForeignSite: false,
};
const ready = async () => (await getReady(probe, services)).status;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("GET /health/ready under a flood of probes", () => {
  it("asks the database at most twice for 50 probes at once and more, one after another, within a second", async () => {
    const before = queries;
    const start = Date.now();

    const together = await Promise.all(Array.from({ length: 50 }, ready));
    const oneByOne: number[] = [];
    while (Date.now() - start < 900) {
      oneByOne.push(await ready());
      await pause(10);
    }

    expect([...together, ...oneByOne].every((status) => status === 200)).toBe(true);
    expect(oneByOne.length).toBeGreaterThan(20);
    expect(queries - before).toBeGreaterThanOrEqual(1);
    expect(queries - before).toBeLessThanOrEqual(2);
  });

  it("asks again once its last answer is about a second old", async () => {
    await ready();
    const before = queries;

    await pause(1_100);
    expect(await ready()).toBe(200);

    expect(queries - before).toBe(1);
  });
});

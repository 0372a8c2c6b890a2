import { createServer, type Server } from "node:http";
import { json } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendSignUps, SignUpLedger } from "../src/load.ts";

describe("SignUpLedger", () => {
  it("hands out distinct new addresses under its prefix", () => {
    const ledger = new SignUpLedger("run1-0-", 0);

    const addresses = Array.from({ length: 100 }, () => ledger.nextAddress());

    expect(new Set(addresses).size).toBe(100);
    expect(addresses.filter((address) => !/^run1-0-\d+@bench\.example$/.test(address))).toEqual([]);
    expect(ledger.sent).toBe(100);
  });

  it("repeats addresses it sent before at about the share asked for", () => {
    const ledger = new SignUpLedger("run1-1-", 0.2);

    const addresses = Array.from({ length: 10_000 }, () => ledger.nextAddress());

    const repeats = addresses.length - new Set(addresses).size;
    expect(repeats / addresses.length).toBeGreaterThan(0.17);
    expect(repeats / addresses.length).toBeLessThan(0.23);
  });

  it("keeps the addresses answered with 200 and counts every answer", () => {
    const ledger = new SignUpLedger("run1-2-", 0);
    const [first, second] = [ledger.nextAddress(), ledger.nextAddress()];

    ledger.record(first, 200);
    ledger.record(second, 409);

    expect(ledger.created).toEqual([first]);
    expect(ledger.answered).toBe(2);
  });
});

describe("sendSignUps", () => {
  /** Signs each address up once, like the app: 200 the first time, 409 after. */
  const signedUp = new Set<string>();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const { email } = (await json(request)) as { email: string };
      const status = signedUp.has(email) ? 409 : 200;
      signedUp.add(email);
      response.writeHead(status, { "Content-Type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/users`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("measures after the warm-up, on connections that were all answered, and counts what came back", async () => {
    const ledger = new SignUpLedger("load-0-", 0.2);
    const events: string[] = [];

    const measurement = await sendSignUps(
      url,
      ledger,
      { connections: 4, warmupSeconds: 0.3, seconds: 0.5, expectedStatuses: [200, 409] },
      { started: () => events.push("started"), ended: () => events.push("ended") },
    );

    expect(events).toEqual(["started", "ended"]);
    expect(measurement.warmupSeconds).toBeGreaterThanOrEqual(0.3);
    expect(measurement.errors).toBe(0);
    expect(measurement.responses["200"]).toBeGreaterThan(0);
    expect(measurement.responses["409"]).toBeGreaterThan(0);
    expect(measurement.requestsPerSecond).toBeGreaterThan(0);
    expect(measurement.latencyMs.p99).toBeGreaterThanOrEqual(measurement.latencyMs.p50);
    expect(ledger.created.every((address) => signedUp.has(address))).toBe(true);
    expect(new Set(ledger.created).size).toBe(ledger.created.length);
  });

  it("counts a status the workload does not expect as an error", async () => {
    const ledger = new SignUpLedger("load-1-", 0.5);

    const measurement = await sendSignUps(
      url,
      ledger,
      { connections: 2, warmupSeconds: 0.2, seconds: 0.3, expectedStatuses: [200] },
      { started: () => {}, ended: () => {} },
    );

    expect(measurement.responses["409"]).toBeGreaterThan(0);
    expect(measurement.errors).toBe(measurement.responses["409"]);
  });
});

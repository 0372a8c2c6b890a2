import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase, freePort } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

/**
 * A TCP proxy in front of PostgreSQL that can hang (accepts and holds every byte, as a stopped
 * server does) or go down (refuses connections and cuts the open ones, as a killed server does).
 */
class DatabaseProxy {
  private mode: "open" | "hung" = "open";
  private held: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server;
  readonly port: number;
  private readonly target: URL;

  constructor(port: number, target: URL) {
    this.port = port;
    this.target = target;
    this.server = this.listen();
  }

  private listen(): Server {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(from);
        from.on("data", (chunk) => (this.mode === "hung" ? this.held.push(() => to.write(chunk)) : to.write(chunk)));
        from.on("close", () => to.destroy());
        from.on("error", () => {});
      }
    });
    server.listen(this.port, "127.0.0.1");
    return server;
  }

  hang(): void {
    this.mode = "hung";
  }

  resume(): void {
    this.mode = "open";
    for (const write of this.held.splice(0)) write();
  }

  async goDown(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  comeBack(): void {
    this.server = this.listen();
  }
}

let app: RunningApp;
let proxy: DatabaseProxy;
let address = 0;
const newAddress = () => `outage-${(address += 1)}@example.com`;

beforeAll(async () => {
  const databaseUrl = new URL(await createEmptyDatabase(inject("postgresUrl")));
  proxy = new DatabaseProxy(await freePort(), databaseUrl);
  const proxied = new URL(databaseUrl);
  proxied.port = String(proxy.port);
  app = await startApp(proxied.toString());
});
afterAll(async () => {
  proxy?.resume();
  await app?.stop();
  await proxy?.goDown();
});

/** Signs up until one succeeds; resolves with how long that took. */
async function millisecondsUntilSignUpsWork(): Promise<number> {
  const start = Date.now();
  while ((await postUser(app.url, { email: newAddress() })).status !== 200) {
    if (Date.now() - start > 10_000) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - start;
}

async function expectServiceUnavailableWithin2s(): Promise<void> {
  const start = Date.now();
  // More at once than the pool has connections: none of them may wait longer.
  const answers = await Promise.all([
    ...Array.from({ length: 12 }, () => postUser(app.url, { email: newAddress() })),
    callMutation(app.url, "users.create", { email: newAddress() }),
  ]);
  const elapsed = Date.now() - start;

  for (const answer of answers.slice(0, -1)) {
    expect(answer).toMatchObject({ status: 503, body: error(503, "Service Unavailable") });
    expect(answer.headers.get("retry-after")).toBe("2");
  }
  expect(answers.at(-1)).toMatchObject({ status: 503, body: { error: { data: { code: "SERVICE_UNAVAILABLE" } } } });
  expect(answers.at(-1)!.headers.get("retry-after")).toBe("2");
  expect(elapsed).toBeLessThan(2_000);
}

describe("while the database does not answer", () => {
  it("signs up as usual before", async () => {
    expect((await postUser(app.url, { email: newAddress() })).status).toBe(200);
  });

  it("answers every sign-up within 2 s with 503 and Retry-After, and recovers within 5 s of its return", async () => {
    proxy.hang();
    await expectServiceUnavailableWithin2s();
    proxy.resume();

    expect(await millisecondsUntilSignUpsWork()).toBeLessThan(5_000);
  });

  it("does the same when the database is killed and comes back", async () => {
    await proxy.goDown();
    await expectServiceUnavailableWithin2s();
    proxy.comeBack();

    expect(await millisecondsUntilSignUpsWork()).toBeLessThan(5_000);
  });

  it("logs each failed request as one JSON line with its request id, level and the error's class", async () => {
    // The app's stdout is a pipe: its lines may reach this process after the answers did.
    const failedLines = () => app.logLines().filter((line) => line.msg === "Database unavailable");
    await expect.poll(() => failedLines().length).toBe(26);
    const failures = failedLines();
    expect(new Set(failures.map((line) => line.requestId)).size).toBe(26);
    for (const line of failures) expect(line).toMatchObject({ level: 40, err: { class: expect.any(String) } });
  });
});

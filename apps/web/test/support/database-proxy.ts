import { createServer, connect, type Server, type Socket } from "node:net";
import { freePort } from "@enroll/db/testing";

/**
 * A TCP proxy in front of PostgreSQL that can hang (accepts and holds every byte, as a stopped
 * server does) or go down (refuses connections and cuts the open ones, as a killed server does).
 */
export class DatabaseProxy {
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

/** A proxy on a free port in front of the database at `databaseUrl`, and the URL that reaches the database through it. */
export async function proxyDatabase(databaseUrl: string): Promise<{ proxy: DatabaseProxy; proxiedUrl: string }> {
  const target = new URL(databaseUrl);
  const proxy = new DatabaseProxy(await freePort(), target);
  const proxied = new URL(target);
  proxied.port = String(proxy.port);
  return { proxy, proxiedUrl: proxied.toString() };
}

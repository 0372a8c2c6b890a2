import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@enroll/db/testing";

export interface Daemon {
  url: string;
  stop(): Promise<void>;
}

/**
 * A process of a Debian package (`.ci/run` installs them: `pnpm services:install`), started for one
 * test file on a free loopback port and stopped after it; never the system's service.
 */
async function startDaemon(
  command: string,
  args: string[],
  { ready, url, folder }: { ready: RegExp; url: string; folder: string },
): Promise<Daemon> {
  // Debian puts pgbouncer in /usr/sbin, which is not on every PATH.
  const executable = [`/usr/sbin/${command}`, `/usr/bin/${command}`].find((candidate) => existsSync(candidate)) ?? command;
  const child = spawn(executable, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const listen = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) resolve();
    };
    child.stdout.on("data", listen);
    child.stderr.on("data", listen);
    child.once("error", (error) => reject(new Error(`${command} could not start (pnpm services:install): ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** A folder for a daemon's files that the unprivileged user it runs as under root can read. */
async function daemonFolder(name: string): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), `enroll-${name}-`));
  await chmod(folder, 0o755);
  return folder;
}

/** Debian's redis-server, in memory only. */
export async function startRedis(): Promise<Daemon> {
  const port = await freePort();
  const folder = await daemonFolder("redis");
  return startDaemon(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
    { ready: /Ready to accept connections/, url: `redis://127.0.0.1:${port}`, folder },
  );
}

/**
 * Debian's pgbouncer in transaction-pooling mode in front of the PostgreSQL at `postgresUrl`: its
 * URL is `postgresUrl` with pgbouncer's port. As root, it runs as `nobody` (it refuses root).
 */
export async function startPgBouncer(postgresUrl: string): Promise<Daemon> {
  const target = new URL(postgresUrl);
  const port = await freePort();
  const folder = await daemonFolder("pgbouncer");
  const user = decodeURIComponent(target.username);
  await writeFile(path.join(folder, "userlist.txt"), `"${user}" "${decodeURIComponent(target.password)}"\n`, { mode: 0o644 });
  await writeFile(
    path.join(folder, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      `unix_socket_dir =`,
      "auth_type = plain",
      `auth_file = ${path.join(folder, "userlist.txt")}`,
      "pool_mode = transaction",
      "default_pool_size = 20",
      "max_client_conn = 500",
      `admin_users = ${user}`,
      // The app asks for statement_timeout at connect (see packages/db); PgBouncer must let it pass.
      "ignore_startup_parameters = extra_float_digits,options,statement_timeout",
    ].join("\n"),
    { mode: 0o644 },
  );
  const asUser = process.getuid?.() === 0 ? ["-u", "nobody"] : [];
  const url = new URL(postgresUrl);
  url.port = String(port);
  return startDaemon("pgbouncer", [...asUser, path.join(folder, "pgbouncer.ini")], {
    ready: /process up/,
    url: url.toString(),
    folder,
  });
}

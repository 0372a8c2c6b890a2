import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "@enroll/db/testing";

export interface Daemon {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A process of a Debian package (`.ci/run` installs them: `pnpm services:install`), started for one
 * test file on a free loopback port and stopped after it; never the system's service.
 */
async function startDaemon(
  command: string,
  args: string[],
  {
    ready,
    url,
    folder,
    env = {},
  }: { ready: RegExp | (() => Promise<boolean>); url: string; folder: string; env?: Record<string, string> },
): Promise<Daemon> {
  // Debian puts pgbouncer in /usr/sbin, which is not on every PATH.
  const executable = [`/usr/sbin/${command}`, `/usr/bin/${command}`].find((candidate) => existsSync(candidate)) ?? command;
  const child = spawn(executable, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let isReady = false;
    const becomeReady = () => {
      if (isReady) return;
      isReady = true;
      // Once ready, what it prints (HAProxy's request log) is read and dropped.
      child.stdout.off("data", listen).resume();
      child.stderr.off("data", listen).resume();
      resolve();
    };
    const listen = (chunk: Buffer) => {
      output += chunk;
      if (ready instanceof RegExp && ready.test(output)) becomeReady();
    };
    child.stdout.on("data", listen);
    child.stderr.on("data", listen);
    if (typeof ready === "function") {
      void (async () => {
        while (!isReady && child.exitCode === null) {
          if (await ready()) becomeReady();
          else await sleep(25);
        }
      })();
    }
    child.once("error", (error) => reject(new Error(`${command} could not start (pnpm services:install): ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
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

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** The example deployment's configurations (deploy/), which the daemons here run. */
export const deployFiles = {
  haproxy: path.join(repoRoot, "deploy/haproxy.cfg"),
  pgbouncer: path.join(repoRoot, "deploy/pgbouncer.ini"),
  environment: path.join(repoRoot, "deploy/enroll.env"),
};

/**
 * Debian's pgbouncer running deploy/pgbouncer.ini (transaction pooling) in front of the PostgreSQL
 * at `postgresUrl`, with only what names this machine replaced: its URL is `postgresUrl` with
 * pgbouncer's port. As root, it runs as `nobody` (it refuses root).
 */
export async function startPgBouncer(postgresUrl: string): Promise<Daemon> {
  const target = new URL(postgresUrl);
  const port = await freePort();
  const folder = await daemonFolder("pgbouncer");
  const user = decodeURIComponent(target.username);
  await writeFile(path.join(folder, "userlist.txt"), `"${user}" "${decodeURIComponent(target.password)}"\n`, { mode: 0o644 });
  await writeFile(
    path.join(folder, "pgbouncer.ini"),
    onThisMachine(await readFile(deployFiles.pgbouncer, "utf8"), `* = host=${target.hostname} port=${target.port}`, {
      listen_addr: "127.0.0.1",
      listen_port: String(port),
      unix_socket_dir: "",
      auth_file: path.join(folder, "userlist.txt"),
      admin_users: user,
    }),
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

/**
 * A PgBouncer configuration (`ini`) with its `[databases]` replaced by `database` and these
 * `[pgbouncer]` settings set; its other sections are left out. (PgBouncer forgets a section's
 * settings when the section starts again, so they cannot simply be appended.)
 */
function onThisMachine(ini: string, database: string, settings: Record<string, string>): string {
  const unset = new Set(Object.keys(settings));
  const lines: string[] = [];
  let section = "";
  for (const line of ini.split("\n")) {
    section = /^\s*\[(\w+)\]/.exec(line)?.[1] ?? section;
    if (section !== "pgbouncer" || /^\s*\[/.test(line)) continue;
    const key = /^\s*(\w+)\s*=/.exec(line)?.[1];
    if (key && key in settings) {
      lines.push(`${key} = ${settings[key]}`);
      unset.delete(key);
    } else lines.push(line);
  }
  return ["[databases]", database, "[pgbouncer]", ...lines, ...[...unset].map((key) => `${key} = ${settings[key]}`)].join("\n");
}

/**
 * Debian's haproxy running deploy/haproxy.cfg on a free loopback port, in front of the instances
 * at `instances` (`host:port` each, at most as many as the file has ENROLL_INSTANCE_n for). Its url
 * is `http://127.0.0.1:<port>`.
 */
export async function startHaproxy(instances: string[]): Promise<Daemon> {
  const slots = (await readFile(deployFiles.haproxy, "utf8")).match(/^\s*server .*"\$\{ENROLL_INSTANCE_\d+\}"/gm)?.length ?? 0;
  if (instances.length < 1 || instances.length > slots) {
    throw new Error(`deploy/haproxy.cfg has servers for 1 to ${slots} instances, not ${instances.length}`);
  }
  const port = await freePort();
  const folder = await daemonFolder("haproxy");
  const env: Record<string, string> = { ENROLL_LISTEN: `127.0.0.1:${port}` };
  instances.forEach((instance, i) => (env[`ENROLL_INSTANCE_${i + 1}`] = instance));
  // -db: in the foreground, logging to stdout. It says nothing once it listens: it is ready once it
  // accepts a connection.
  return startDaemon("haproxy", ["-db", "-f", deployFiles.haproxy], {
    ready: () => accepts(port),
    url: `http://127.0.0.1:${port}`,
    folder,
    env,
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

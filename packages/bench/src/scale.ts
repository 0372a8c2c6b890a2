/**
 * `pnpm bench:scale`: the scale-out topology of deploy/ on one machine, for each instance count:
 * one PostgreSQL (embedded, or a new database on DATABASE_URL's server), PgBouncer in transaction
 * pooling and Redis for the rate limit, both kept for the whole run; for each N, N instances
 * started as `pnpm start` runs them and HAProxy in front of them, sign-ups sent through HAProxy
 * with autocannon, then the database checked against the answers. With one instance, a second cell
 * sends to it directly, without HAProxy, for what the balancer costs.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { checkRows, openFreshDatabase, type BenchDatabase, type RowCheck } from "./database.ts";
import { cpuMsPerAnswer, sendSignUps, SignUpLedger, type Measurement } from "./load.ts";
import { positiveNumber } from "./options.ts";
import { describeMachine, markdownTable } from "./report.ts";
import { BENCH_APP_SETTINGS, cpuMilliseconds } from "./servers.ts";
import { signUpsByOutcome, startSharedServices, startTopology, type SharedServices, type Topology } from "./topology.ts";

const usage = `Usage: pnpm bench:scale [options]
  --instances <list>    instance counts behind HAProxy, one cell each (default 1,2,3; at most 4)
  --connections <n>     concurrent connections to HAProxy (default 64)
  --warmup <s>          seconds of unmeasured load before each cell (default 1)
  --duration <s>        seconds measured per cell (default 5)
  --out <file>          the JSON report (default packages/bench/results/scale.json)
  --help                this text
Environment: DATABASE_URL (a server to create a fresh database on; default: embedded PostgreSQL).
Needs Debian's haproxy, pgbouncer and redis-server (pnpm services:install).`;

const options = (() => {
  try {
    const { values } = parseArgs({
      options: {
        instances: { type: "string", default: "1,2,3" },
        connections: { type: "string", default: "64" },
        warmup: { type: "string", default: "1" },
        duration: { type: "string", default: "5" },
        out: { type: "string", default: new URL("../results/scale.json", import.meta.url).pathname },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    return {
      instances: values.instances.split(",").map((count) => positiveNumber("--instances", count)),
      connections: positiveNumber("--connections", values.connections),
      warmupSeconds: positiveNumber("--warmup", values.warmup),
      durationSeconds: positiveNumber("--duration", values.duration),
      out: values.out,
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
})();


interface ScaleCell {
  instances: number;
  /** Through HAProxy, or straight to the one instance. */
  via: "haproxy" | "direct";
  measurement: Measurement;
  rows: RowCheck;
  /** Addresses with more than one user (the unique index allows none). */
  duplicates: number;
  /** Sign-ups created by each instance, warm-up included, from its /metrics. */
  createdPerInstance: number[];
  /** CPU per answer while measured: every instance together, and HAProxy, PgBouncer and Redis together. */
  cpuMsPerRequest: { instances: number; proxies: number };
  /** No errors, every 200 one person, no person without a 200 but those cut off, no duplicate. */
  sound: boolean;
}

const runId = randomBytes(3).toString("hex");
const loadAverageBefore = os.loadavg();
const database = await openFreshDatabase(process.env.DATABASE_URL);
const cells: ScaleCell[] = [];
let services: SharedServices | undefined;
try {
  services = await startSharedServices(database.url);
  console.log(`${database.version}; ${options.connections} connections, ${options.durationSeconds} s per cell`);
  for (const count of options.instances) {
    const topology = await startTopology(services, count, BENCH_APP_SETTINGS);
    try {
      cells.push(await runCell(database, services, topology, "haproxy"));
      // Once, on the same warm instance: what HAProxy adds.
      if (count === 1 && !cells.some((cell) => cell.via === "direct")) cells.push(await runCell(database, services, topology, "direct"));
    } finally {
      await topology.stop();
    }
  }
} finally {
  await services?.stop();
  await database.close();
}

const rows = cells.map((cell) => [
  cell.via === "direct" ? "1, no HAProxy" : String(cell.instances),
  cell.measurement.requestsPerSecond.toFixed(0),
  cell.measurement.latencyMs.p50.toFixed(1),
  cell.measurement.latencyMs.p99.toFixed(1),
  String(cell.measurement.errors),
  String(cell.rows.created),
  String(cell.rows.signedUpAndAnswered),
  String(cell.rows.signedUp - cell.rows.signedUpAndAnswered),
  String(cell.duplicates),
  cell.createdPerInstance.join(" / "),
  cell.cpuMsPerRequest.instances.toFixed(2),
  cell.cpuMsPerRequest.proxies.toFixed(2),
  cell.sound ? "yes" : "NO",
]);
console.log(
  `\n${markdownTable(
    [
      "instances",
      "req/s",
      "p50 ms",
      "p99 ms",
      "errors",
      "200s",
      "users for them",
      "users cut off",
      "duplicates",
      "sign-ups per instance",
      "CPU ms/req, instances",
      "CPU ms/req, HAProxy+PgBouncer+Redis",
      "sound",
    ],
    rows,
  )}`,
);

const machine = describeMachine(database.version, loadAverageBefore);
await mkdir(path.dirname(options.out), { recursive: true });
await writeFile(options.out, `${JSON.stringify({ finishedAt: new Date(), machine, options, cells }, null, 2)}\n`);
console.log(`\nWritten to ${options.out}`);
if (cells.some((cell) => !cell.sound)) {
  console.error("\nA cell had errors, or rows that do not match its 200s.");
  process.exitCode = 1;
}

async function runCell({ client }: BenchDatabase, shared: SharedServices, topology: Topology, via: ScaleCell["via"]): Promise<ScaleCell> {
  const count = topology.instances.length;
  const createdSoFar = await createdByEach(topology);
  const ledger = new SignUpLedger(`${runId}-${cells.length}-`, 0);
  const target = via === "haproxy" ? topology.url : topology.instances[0]!.url;
  const instancePids = topology.instances.map((instance) => instance.pid);
  const proxyPids = [topology.haproxy.pid, shared.pgbouncer.pid, shared.redis.pid];
  const cpu = (pids: number[]) => pids.reduce((total, pid) => total + cpuMilliseconds(pid), 0);
  let cpuAtStart = { instances: 0, proxies: 0 };
  let cpuUsed = { instances: 0, proxies: 0 };
  const measurement = await sendSignUps(
    `${target}/users`,
    ledger,
    { connections: options.connections, warmupSeconds: options.warmupSeconds, seconds: options.durationSeconds, expectedStatuses: [200] },
    {
      started: () => (cpuAtStart = { instances: cpu(instancePids), proxies: cpu(proxyPids) }),
      ended: () =>
        (cpuUsed = { instances: cpu(instancePids) - cpuAtStart.instances, proxies: cpu(proxyPids) - cpuAtStart.proxies }),
    },
  );
  const rows = await checkRows(client, ledger);
  const { rows: repeated } = await client.query<{ duplicates: number }>(
    `SELECT (count(*) - count(DISTINCT lower(address)))::int AS duplicates FROM emails WHERE starts_with(address, $1)`,
    [ledger.prefix],
  );
  const createdPerInstance = (await createdByEach(topology)).map((created, i) => created - createdSoFar[i]!);
  const duplicates = repeated[0]!.duplicates;
  const cell: ScaleCell = {
    instances: count,
    via,
    measurement,
    rows,
    duplicates,
    createdPerInstance,
    cpuMsPerRequest: { instances: cpuMsPerAnswer(cpuUsed.instances, measurement), proxies: cpuMsPerAnswer(cpuUsed.proxies, measurement) },
    sound: rows.consistent && measurement.errors === 0 && duplicates === 0,
  };
  console.log(
    `${count} instance(s) ${via === "haproxy" ? "behind HAProxy" : "directly"}: ${measurement.requestsPerSecond.toFixed(0)} req/s, ` +
      `p99 ${measurement.latencyMs.p99} ms, errors ${measurement.errors}; ${rows.signedUpAndAnswered} users for ${rows.created} 200s, ` +
      `${rows.signedUp - rows.signedUpAndAnswered} cut off at the end, ${duplicates} duplicates; per instance ${createdPerInstance.join(" / ")}` +
      (cell.sound ? "" : ": NOT SOUND"),
  );
  return cell;
}

/** How many sign-ups each instance has created since it started, from its /metrics. */
async function createdByEach(topology: Topology): Promise<number[]> {
  return (await Promise.all(topology.instances.map(signUpsByOutcome))).map((counts) => counts.created ?? 0);
}

/**
 * `pnpm bench`: the sign-up throughput of the production app, next to what the database allows.
 *
 * One fresh database; the baseline (baseline-server.ts) on it, and the app with the same pool size,
 * started anew for each round as `pnpm start` runs it (its cold start is measured). In each round,
 * per connection count, every scenario's cells, each a warm-up and a measurement with autocannon,
 * baseline and app side by side so that both meet the same machine. Prints the medians of the
 * rounds, writes every cell as JSON and checks the database against the answers. The load
 * generator runs in this process, on the same cores as the servers and PostgreSQL, for the app and
 * the baseline alike.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig, type SigningAlgorithm } from "@enroll/api/config";
import { checkRows, openFreshDatabase, type BenchDatabase } from "./database.ts";
import { cpuMsPerAnswer, sendSignUps, SignUpLedger } from "./load.ts";
import { readOptions, usage, UsageError, type Options } from "./options.ts";
import { profilesIn, summarizeProfiles, type ProfileEntry, type TimeWindow } from "./profile.ts";
import { cellTable, describeMachine, judge, markdownTable, summarize, verdictTable, type CellResult } from "./report.ts";
import { doors, scenarios, type Door, type Workload } from "./scenarios.ts";
import {
  BENCH_APP_SETTINGS,
  cpuMilliseconds,
  peakRssBytes,
  resetPeakRss,
  startAppServer,
  startBaselineServer,
  type ServerUnderTest,
} from "./servers.ts";
import { startBenchReceiver, untilDelivered, type WebhookCheck } from "./webhook-receiver.ts";

const options = (() => {
  try {
    return readOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\n${usage}`);
      process.exit(2);
    }
    throw error;
  }
})();
if (options.help) {
  console.log(usage);
  process.exit(0);
}

const config = loadConfig({ ...process.env, ...BENCH_APP_SETTINGS });
const runId = randomBytes(3).toString("hex");
const loadAverageBefore = os.loadavg();

const database = await openFreshDatabase(config.databaseUrl);
const cells: CellResult[] = [];
const coldStartsMs: number[] = [];
/** When the app was measured: the profile is read for these stretches only, not start-up or idle time. */
const appMeasured: TimeWindow[] = [];
const profileDir = options.cpuProfile ? await mkdtemp(path.join(os.tmpdir(), "enroll-bench-profile-")) : undefined;
const receiver = options.webhooks ? await startBenchReceiver() : undefined;
const appEnv = {
  ...(receiver
    ? { WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: JSON.stringify([{ callback: receiver.url, events: ["user.create"] }]) }
    : {}),
  DATABASE_POOL_SIZE: String(config.databasePoolSize),
  ...BENCH_APP_SETTINGS,
  ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
};
/** A baseline per signing algorithm, each signing as the app it is measured against. */
const baselines = new Map<SigningAlgorithm, ServerUnderTest>();
try {
  for (const signing of options.signing) {
    baselines.set(signing, await startBaselineServer(database.url, config.databasePoolSize, { SESSION_SIGNING_ALGORITHM: signing }));
  }
  console.log(`Pool size ${config.databasePoolSize}; ${database.version}`);
  const chosen = options.scenarios.map((name) => scenarios[name]);
  const baselineWorkloads = [...new Set(chosen.map((scenario) => scenario.workload))];
  for (let round = 1; round <= options.rounds; round++) {
    for (const signing of options.signing) {
      const { app, coldStartMs } = await startAppServer(database.url, { ...appEnv, SESSION_SIGNING_ALGORITHM: signing });
      coldStartsMs.push(coldStartMs);
      console.log(
        `Round ${round} of ${options.rounds}, ${signing}: the app answered its first sign-up ${coldStartMs.toFixed(0)} ms after its start`,
      );
      const baseline = baselines.get(signing)!;
      try {
        for (const connections of options.connections) {
          for (const workload of baselineWorkloads) {
            cells.push(await runCell(database, options, { round, signing, server: baseline, door: doors.baseline, workload, connections }));
            for (const scenario of chosen.filter((scenario) => scenario.workload === workload)) {
              cells.push(await runCell(database, options, { round, signing, server: app, ...scenario, connections }));
            }
          }
        }
      } finally {
        await app.stop();
      }
    }
  }
} finally {
  for (const baseline of baselines.values()) await baseline.stop();
  await database.close();
  await receiver?.close();
}
const profile = profileDir ? await summarizeProfiles(await profilesIn(profileDir), appMeasured) : undefined;

const summaries = summarize(cells);
const verdicts = judge(summaries, coldStartsMs);
console.log(`\nMedians of ${options.rounds} round(s):\n${cellTable(summaries)}\n\nTargets:\n${verdictTable(verdicts)}`);
if (profile) {
  const table = (entries: ProfileEntry[], what: string) =>
    markdownTable(
      [what, "self ms", "% of busy"],
      entries.map(({ name, selfMs, percent }) => [name, selfMs.toFixed(0), percent.toFixed(1)]),
    );
  console.log(`\nWhere the app's busy time went, by package:\n${table(profile.bySource, "package or module")}`);
  console.log(`\nand by function:\n${table(profile.byFunction, "function")}`);
}

const machine = describeMachine(database.version, loadAverageBefore);
const settings = {
  rounds: options.rounds,
  warmupSeconds: options.warmupSeconds,
  durationSeconds: options.durationSeconds,
  connections: options.connections,
  scenarios: options.scenarios,
  signing: options.signing,
  poolSize: config.databasePoolSize,
  database: config.databaseUrl ? "a new database on DATABASE_URL's server" : "embedded PostgreSQL",
};
await mkdir(path.dirname(options.out), { recursive: true });
await writeFile(
  options.out,
  `${JSON.stringify({ finishedAt: new Date(), machine, settings, summaries, verdicts, coldStartsMs, cells, profile }, null, 2)}\n`,
);
console.log(`\nWritten to ${options.out}`);

const inconsistent = cells.filter(
  (cell) => !cell.rows.consistent || cell.measurement.errors > 0 || (cell.webhooks && !cell.webhooks.consistent),
);
if (inconsistent.length > 0) {
  console.error(`\n${inconsistent.length} cell(s) with errors or rows that do not match the 200 responses.`);
  process.exitCode = 1;
}

interface Cell {
  round: number;
  signing: SigningAlgorithm;
  server: ServerUnderTest;
  door: Door;
  workload: Workload;
  connections: number;
}

async function runCell(
  { client }: BenchDatabase,
  { warmupSeconds, durationSeconds }: Options,
  { round, signing, server, door, workload, connections }: Cell,
): Promise<CellResult> {
  const ledger = new SignUpLedger(`${runId}-${cells.length}-`, workload.duplicateShare);
  const load = { connections, warmupSeconds, seconds: durationSeconds, expectedStatuses: workload.expectedStatuses };
  const window = { from: 0, to: 0 };
  const receivedBefore = receiver?.received() ?? 0;
  let cpuAtStart = 0;
  let cpuMs = 0;
  await resetPeakRss(server.pid);
  const measurement = await sendSignUps(`${server.url}${door.path}`, ledger, load, {
    started: () => {
      window.from = microseconds();
      cpuAtStart = cpuMilliseconds(server.pid);
    },
    ended: () => {
      window.to = microseconds();
      cpuMs = cpuMilliseconds(server.pid) - cpuAtStart;
    },
  });
  if (door !== doors.baseline) appMeasured.push(window);
  const peakRssMb = Math.round((await peakRssBytes(server.pid)) / 2 ** 20);
  const rows = await checkRows(client, ledger);
  const { requestsPerSecond, latencyMs } = measurement;
  const cpuMsPerRequest = cpuMsPerAnswer(cpuMs, measurement);
  // Deliveries that lag behind the load are finished before the next cell, and their CPU counted.
  const webhooks: (WebhookCheck & { cpuMsPerRequestWithDelivery: number }) | undefined =
    receiver && door !== doors.baseline
      ? {
          ...(await untilDelivered(client, { prefix: ledger.prefix, signedUp: rows.signedUp, receiver, receivedBefore })),
          cpuMsPerRequestWithDelivery: cpuMsPerAnswer(cpuMilliseconds(server.pid) - cpuAtStart, measurement),
        }
      : undefined;
  console.log(
    `${door.name} · ${signing} · ${workload.name} · ${connections} conn.: ${requestsPerSecond.toFixed(0)} req/s, ` +
      `p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, errors ${measurement.errors}, ` +
      `${cpuMsPerRequest} CPU ms/req, ${peakRssMb} MB; ${rows.signedUpAndAnswered} sign-ups in the database for ` +
      `${rows.created} 200s, ${rows.signedUp - rows.signedUpAndAnswered} more whose answers were cut off at the end` +
      (rows.consistent ? "" : ": ROWS DO NOT MATCH") +
      (webhooks
        ? `; webhooks: ${webhooks.delivered} delivered, the last ${webhooks.drainSeconds.toFixed(1)} s after the load, ` +
          `${webhooks.cpuMsPerRequestWithDelivery} CPU ms/req with their delivery` +
          (webhooks.consistent ? "" : ": WEBHOOKS DO NOT MATCH THE SIGN-UPS")
        : ""),
  );
  return {
    round,
    signing,
    server: door === doors.baseline ? "baseline" : "app",
    door: door.name,
    workload: workload.name,
    connections,
    measurement,
    cpuMsPerRequest,
    peakRssMb,
    rows,
    webhooks,
  };
}

/** Now on the monotonic clock that V8's profiles use too. */
function microseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

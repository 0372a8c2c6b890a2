import os from "node:os";
import type { RowCheck } from "./database.ts";
import type { Measurement } from "./load.ts";
import type { WebhookCheck } from "./webhook-receiver.ts";
import { doors, workloads } from "./scenarios.ts";

export interface CellResult {
  /** Which of the interleaved rounds (from 1). */
  round: number;
  /** SESSION_SIGNING_ALGORITHM of the server (the app, and the baseline it is measured against). */
  signing: string;
  server: "app" | "baseline";
  door: string;
  workload: string;
  connections: number;
  measurement: Measurement;
  /** CPU time of the serving process (all its threads) per response while measuring. */
  cpuMsPerRequest: number;
  /** The serving process's highest resident set size during the cell, warm-up included. */
  peakRssMb: number;
  rows: RowCheck;
  /** With --webhooks, for app cells: the cell's events, and the CPU per request counted until the last was delivered. */
  webhooks?: WebhookCheck & { cpuMsPerRequestWithDelivery: number };
}

/** One door under one workload and connection count: the median of its rounds. */
export interface CellSummary {
  signing: string;
  server: "app" | "baseline";
  door: string;
  workload: string;
  connections: number;
  rounds: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  /** The highest of the rounds. */
  peakRssMb: number;
  /** Summed over the rounds. */
  errors: number;
  conflicts: number;
  /** Whether every round's rows matched its answers. */
  consistent: boolean;
  /** App ÷ baseline, taken in each round against that round's baseline cell, then the median. */
  vsBaseline?: { requestsPerSecond: number; p99: number; cpu: number };
}

/**
 * The targets (issue 18), as ratios to the fair baseline (baseline-server.ts) measured in the same
 * round, so that they hold on any machine: an absolute req/s on a shared machine is not the app's.
 */
export const targets = {
  maxCpuVsBaseline: { [doors.rest.name]: 1.6, [doors.trpc.name]: 1.8 } as Record<string, number>,
  minShareAt64Connections: { [doors.rest.name]: 0.85, [doors.trpc.name]: 0.75 } as Record<string, number>,
  maxP99VsBaseline: 1.5,
  maxRssMb: 250,
  maxColdStartMs: 3000,
  /** How far below the plain sign-up's share of the baseline the 20%-duplicates mix may fall. */
  maxMixShortfall: 0.1,
};

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each door, workload and connection count over its rounds, in the order first measured. */
export function summarize(cells: CellResult[]): CellSummary[] {
  const key = (cell: Pick<CellResult, "signing" | "door" | "workload" | "connections">) =>
    `${cell.signing}|${cell.door}|${cell.workload}|${cell.connections}`;
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) groups.set(key(cell), [...(groups.get(key(cell)) ?? []), cell]);
  const baselineOf = (cell: CellResult) =>
    cells.find(
      (other) =>
        other.server === "baseline" &&
        other.round === cell.round &&
        other.signing === cell.signing &&
        other.workload === cell.workload &&
        other.connections === cell.connections,
    );
  return [...groups.values()].map((rounds) => {
    const [first] = rounds as [CellResult];
    const of = (value: (cell: CellResult) => number) => median(rounds.map(value));
    const summary: CellSummary = {
      signing: first.signing,
      server: first.server,
      door: first.door,
      workload: first.workload,
      connections: first.connections,
      rounds: rounds.length,
      requestsPerSecond: of((cell) => cell.measurement.requestsPerSecond),
      p50: of((cell) => cell.measurement.latencyMs.p50),
      p99: of((cell) => cell.measurement.latencyMs.p99),
      cpuMsPerRequest: of((cell) => cell.cpuMsPerRequest),
      peakRssMb: Math.max(...rounds.map((cell) => cell.peakRssMb)),
      errors: rounds.reduce((sum, cell) => sum + cell.measurement.errors, 0),
      conflicts: rounds.reduce((sum, cell) => sum + (cell.measurement.responses["409"] ?? 0), 0),
      consistent: rounds.every((cell) => cell.rows.consistent),
    };
    const paired = rounds.flatMap((cell) => {
      const baseline = cell.server === "app" ? baselineOf(cell) : undefined;
      return baseline ? [{ cell, baseline }] : [];
    });
    if (paired.length > 0) {
      summary.vsBaseline = {
        requestsPerSecond: median(
          paired.map(({ cell, baseline }) => cell.measurement.requestsPerSecond / baseline.measurement.requestsPerSecond),
        ),
        p99: median(paired.map(({ cell, baseline }) => cell.measurement.latencyMs.p99 / baseline.measurement.latencyMs.p99)),
        cpu: median(paired.map(({ cell, baseline }) => cell.cpuMsPerRequest / baseline.cpuMsPerRequest)),
      };
    }
    return summary;
  });
}

export interface Verdict {
  target: string;
  cell: string;
  value: string;
  met: boolean;
}

export function judge(summaries: CellSummary[], coldStartsMs: number[]): Verdict[] {
  const verdicts: Verdict[] = [];
  const verdict = (target: string, cell: string, value: string, met: boolean) =>
    verdicts.push({ target, cell, value, met });
  for (const summary of summaries.filter((summary) => summary.server === "app")) {
    const name = `${summary.door}, ${summary.signing}, ${summary.workload}, ${summary.connections} conn.`;
    const ratio = summary.vsBaseline;
    const maxCpu = targets.maxCpuVsBaseline[summary.door];
    if (ratio && maxCpu && summary.connections === 64) {
      verdict(`CPU per sign-up ≤ ${maxCpu}× the baseline's`, name, times(ratio.cpu), ratio.cpu <= maxCpu);
    }
    const minShare = targets.minShareAt64Connections[summary.door];
    if (ratio && minShare && summary.connections === 64) {
      verdict(`req/s ≥ ${percent(minShare)} of the baseline's`, name, percent(ratio.requestsPerSecond), ratio.requestsPerSecond >= minShare);
    }
    if (ratio && (summary.connections === 64 || summary.connections === 1)) {
      verdict(`p99 ≤ ${targets.maxP99VsBaseline}× the baseline's`, name, times(ratio.p99), ratio.p99 <= targets.maxP99VsBaseline);
    }
    const plain = summaries.find(
      (other) =>
        other.signing === summary.signing &&
        other.door === summary.door &&
        other.connections === summary.connections &&
        other.workload === workloads.unique.name,
    );
    if (ratio && summary.workload === workloads.duplicates.name && plain?.vsBaseline) {
      const shortfall = plain.vsBaseline.requestsPerSecond - ratio.requestsPerSecond;
      verdict(
        `within ${points(targets.maxMixShortfall)} of the plain sign-up's req/s share`,
        name,
        `${percent(ratio.requestsPerSecond)} vs ${percent(plain.vsBaseline.requestsPerSecond)}`,
        shortfall <= targets.maxMixShortfall + Number.EPSILON,
      );
    }
    verdict(`peak RSS < ${targets.maxRssMb} MB`, name, `${summary.peakRssMb} MB`, summary.peakRssMb < targets.maxRssMb);
  }
  if (coldStartsMs.length > 0) {
    const coldStart = median(coldStartsMs);
    verdict(
      `cold start to the first 200 < ${targets.maxColdStartMs / 1000} s`,
      `the built app, ${coldStartsMs.length} start(s)`,
      `${(coldStart / 1000).toFixed(2)} s`,
      coldStart < targets.maxColdStartMs,
    );
  }
  return verdicts;
}

export function cellTable(summaries: CellSummary[]): string {
  return markdownTable(
    [
      ...["door", "signing", "workload", "conn.", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "errors", "409s"],
      ...["peak RSS MB", "rows = 200s", "req/s vs baseline", "p99 vs baseline", "CPU vs baseline"],
    ],
    summaries.map((summary) => [
      summary.door,
      summary.signing,
      summary.workload,
      String(summary.connections),
      summary.requestsPerSecond.toFixed(0),
      summary.p50.toFixed(1),
      summary.p99.toFixed(1),
      summary.cpuMsPerRequest.toFixed(2),
      String(summary.errors),
      String(summary.conflicts),
      String(summary.peakRssMb),
      summary.consistent ? "yes" : "**NO**",
      summary.vsBaseline ? percent(summary.vsBaseline.requestsPerSecond) : "",
      summary.vsBaseline ? times(summary.vsBaseline.p99) : "",
      summary.vsBaseline ? times(summary.vsBaseline.cpu) : "",
    ]),
  );
}

export function verdictTable(verdicts: Verdict[]): string {
  return markdownTable(
    ["target", "cell", "measured", "met"],
    verdicts.map((verdict) => [verdict.target, verdict.cell, verdict.value, verdict.met ? "yes" : "**no**"]),
  );
}

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function points(share: number): string {
  return `${Math.round(share * 100)} points`;
}

function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** The machine a run measured on, for its JSON report. */
export function describeMachine(postgresVersion: string, loadAverageBefore: number[]) {
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: postgresVersion,
    // The machine may be shared: what else ran shows here.
    loadAverage: { before: loadAverageBefore, after: os.loadavg() },
  };
}

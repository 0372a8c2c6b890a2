import type { RowCheck } from "./database.ts";
import type { Measurement } from "./load.ts";

export interface CellResult {
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
  /** Against the baseline cell of the same workload and connections: app ÷ baseline. */
  vsBaseline?: { requestsPerSecond: number; p99: number };
}

/** The targets on a 2-core machine, for every app cell. */
const targets = {
  minShareOfBaselineRequestsPerSecond: 0.5,
  maxP99VsBaseline: 2,
  maxP99AtOneConnectionMs: 10,
  maxRssMb: 300,
};

export interface Verdict {
  target: string;
  cell: string;
  value: string;
  met: boolean;
}

export function judge(cells: CellResult[]): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const cell of cells.filter((cell) => cell.server === "app")) {
    const name = `${cell.door}, ${cell.workload}, ${cell.connections} conn.`;
    if (cell.connections === 64 && cell.vsBaseline) {
      verdicts.push({
        target: `req/s ≥ ${percent(targets.minShareOfBaselineRequestsPerSecond)} of the baseline's`,
        cell: name,
        value: percent(cell.vsBaseline.requestsPerSecond),
        met: cell.vsBaseline.requestsPerSecond >= targets.minShareOfBaselineRequestsPerSecond,
      });
      verdicts.push({
        target: `p99 ≤ ${targets.maxP99VsBaseline}× the baseline's`,
        cell: name,
        value: `${cell.vsBaseline.p99.toFixed(2)}×`,
        met: cell.vsBaseline.p99 <= targets.maxP99VsBaseline,
      });
    }
    if (cell.connections === 1) {
      verdicts.push({
        target: `p99 < ${targets.maxP99AtOneConnectionMs} ms`,
        cell: name,
        value: `${cell.measurement.latencyMs.p99} ms`,
        met: cell.measurement.latencyMs.p99 < targets.maxP99AtOneConnectionMs,
      });
    }
    verdicts.push({
      target: `peak RSS < ${targets.maxRssMb} MB`,
      cell: name,
      value: `${cell.peakRssMb} MB`,
      met: cell.peakRssMb < targets.maxRssMb,
    });
  }
  return verdicts;
}

export function cellTable(cells: CellResult[]): string {
  return markdownTable(
    [
      ...["door", "workload", "conn.", "req/s", "p50 ms", "p99 ms", "errors", "409s"],
      ...["CPU ms/req", "peak RSS MB", "rows = 200s", "req/s vs baseline", "p99 vs baseline"],
    ],
    cells.map((cell) => [
      cell.door,
      cell.workload,
      String(cell.connections),
      cell.measurement.requestsPerSecond.toFixed(0),
      String(cell.measurement.latencyMs.p50),
      String(cell.measurement.latencyMs.p99),
      String(cell.measurement.errors),
      String(cell.measurement.responses["409"] ?? 0),
      cell.cpuMsPerRequest.toFixed(2),
      String(cell.peakRssMb),
      cell.rows.consistent ? "yes" : "**NO**",
      cell.vsBaseline ? percent(cell.vsBaseline.requestsPerSecond) : "",
      cell.vsBaseline ? `${cell.vsBaseline.p99.toFixed(2)}×` : "",
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

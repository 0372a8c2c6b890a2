import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newestProfile, topSelfTime } from "../src/profile.ts";
import { judge, markdownTable, type CellResult } from "../src/report.ts";

function cell(overrides: Partial<CellResult> & Pick<CellResult, "connections">): CellResult {
  return {
    server: "app",
    door: "POST /users",
    workload: "new addresses",
    measurement: { requestsPerSecond: 500, latencyMs: { p50: 5, p99: 9 }, responses: {}, errors: 0, warmupSeconds: 3 },
    cpuMsPerRequest: 1,
    peakRssMb: 200,
    rows: { created: 0, signedUp: 0, signedUpAndAnswered: 0, unanswered: 0, consistent: true },
    ...overrides,
  };
}

describe("judge", () => {
  it("holds each app cell at 64 connections to half the baseline's req/s and twice its p99", () => {
    const verdicts = judge([cell({ connections: 64, vsBaseline: { requestsPerSecond: 0.49, p99: 2 } })]);

    expect(verdicts.map(({ target, value, met }) => ({ target, value, met }))).toEqual([
      { target: "req/s ≥ 50% of the baseline's", value: "49%", met: false },
      { target: "p99 ≤ 2× the baseline's", value: "2.00×", met: true },
      { target: "peak RSS < 300 MB", value: "200 MB", met: true },
    ]);
  });

  it("holds each app cell at 1 connection to a p99 under 10 ms, and leaves the baseline alone", () => {
    const { measurement } = cell({ connections: 1 });
    const slow = cell({ connections: 1, measurement: { ...measurement, latencyMs: { p50: 5, p99: 10 } } });

    const verdicts = judge([slow, cell({ connections: 1, server: "baseline", peakRssMb: 900 })]);

    expect(verdicts.filter((verdict) => !verdict.met).map((verdict) => verdict.target)).toEqual(["p99 < 10 ms"]);
    expect(verdicts).toHaveLength(2);
  });
});

describe("markdownTable", () => {
  it("pads every column to its widest cell", () => {
    expect(markdownTable(["a", "bb"], [["ccc", "d"]])).toBe("| a   | bb |\n| --- | -- |\n| ccc | d  |");
  });
});

describe("topSelfTime", () => {
  it("sums a function's self time over its call sites, in milliseconds, most first", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "enroll-profile-"));
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
    const profile = {
      startTime: 0,
      endTime: 10_000,
      samples: Array(10).fill(1),
      nodes: [
        { callFrame: frame("(idle)", ""), hitCount: 2 },
        { callFrame: frame("parse", "file:///srv/node_modules/pg-protocol/dist/parser.js", 25), hitCount: 3 },
        { callFrame: frame("parse", "file:///srv/node_modules/pg-protocol/dist/parser.js", 25), hitCount: 4 },
        { callFrame: frame("", "file:///srv/apps/web/.next/server/chunk.js"), hitCount: 1 },
        { callFrame: frame("unused", "file:///srv/x.js") },
      ],
    };
    await writeFile(path.join(directory, "cpu-profile-2026-01-01T00-00-00.cpuprofile"), "{}");
    await writeFile(path.join(directory, "cpu-profile-2026-01-02T00-00-00.cpuprofile"), JSON.stringify(profile));

    const entries = await topSelfTime(await newestProfile(directory));

    expect(entries).toEqual([
      { function: "parse", location: "pg-protocol/dist/parser.js:26", selfMs: 7, percent: 70 },
      { function: "(idle)", location: "", selfMs: 2, percent: 20 },
      { function: "(anonymous)", location: "apps/web/.next/server/chunk.js:1", selfMs: 1, percent: 10 },
    ]);
  });
});

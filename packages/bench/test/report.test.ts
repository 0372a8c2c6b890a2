import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newestProfile, summarizeProfile } from "../src/profile.ts";
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

describe("summarizeProfile", () => {
  it("sums self time within the windows by function and by package, most first, idle left out", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "enroll-profile-"));
    const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
    const parser = "file:///srv/node_modules/pg-protocol/dist/parser.js";
    const profile = {
      startTime: 0,
      nodes: [
        { id: 1, callFrame: frame("(idle)", "") },
        { id: 2, callFrame: frame("parse", parser, 25) },
        { id: 3, callFrame: frame("parse", parser, 25) },
        { id: 4, callFrame: frame("handle", "file:///srv/node_modules/@prisma/client/runtime/client.js") },
        { id: 5, callFrame: frame("", "file:///srv/apps/web/.next/server/chunks/route.js") },
        { id: 6, callFrame: frame("emit", "node:events") },
        { id: 7, callFrame: frame("unused", "file:///srv/x.js") },
      ],
      // One sample each millisecond; the last, at 11 ms, falls outside the window.
      samples: [1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 7],
      timeDeltas: Array(11).fill(1000),
    };
    await writeFile(path.join(directory, "cpu-profile-2026-01-01T00-00-00.cpuprofile"), "{}");
    await writeFile(path.join(directory, "cpu-profile-2026-01-02T00-00-00.cpuprofile"), JSON.stringify(profile));

    const file = await newestProfile(directory);
    const { byFunction, bySource } = await summarizeProfile(file, [{ from: 0, to: 10_000 }], 2);

    expect(byFunction).toEqual([
      { name: "parse pg-protocol/dist/parser.js:26", selfMs: 5, percent: 62.5 },
      { name: "handle @prisma/client/runtime/client.js:1", selfMs: 1, percent: 12.5 },
    ]);
    expect(bySource.map(({ name }) => name)).toEqual(["pg-protocol", "@prisma/client"]);
    const { bySource: all } = await summarizeProfile(file, [{ from: 0, to: 10_000 }]);
    expect(all.map(({ name }) => name)).toEqual([
      "pg-protocol",
      "@prisma/client",
      "the app's server bundle (.next/server)",
      "node:events",
    ]);
  });
});

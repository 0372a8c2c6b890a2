import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** The parts of V8's `.cpuprofile` format that self time needs; times in µs of the monotonic clock. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of the monotonic clock (`process.hrtime`), in microseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface ProfileEntry {
  /** A function and where it is, or a package or module. */
  name: string;
  selfMs: number;
  /** Share of the time the process was busy (not waiting in its event loop). */
  percent: number;
}

export interface ProfileSummary {
  byFunction: ProfileEntry[];
  bySource: ProfileEntry[];
}

const IDLE = "(idle)";

/** Every `.cpuprofile` in `directory`. */
export async function profilesIn(directory: string): Promise<string[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith(".cpuprofile")).sort();
  if (names.length === 0) throw new Error(`No .cpuprofile in ${directory}`);
  return names.map((name) => path.join(directory, name));
}

/**
 * Where the processes that wrote `files` spent their busy time within `windows`, by self time (not
 * counting callees): the top functions, summed over their call sites, and the top packages or
 * Node.js modules they belong to.
 */
export async function summarizeProfiles(files: string[], windows: TimeWindow[], count = 15): Promise<ProfileSummary> {
  const busy: { frame: CallFrame; ms: number }[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    let time = profile.startTime;
    profile.samples.forEach((id, index) => {
      const ms = (profile.timeDeltas[index] ?? 0) / 1000;
      time += ms * 1000;
      const frame = frames.get(id);
      if (frame && frame.functionName !== IDLE && windows.some(({ from, to }) => time >= from && time <= to)) {
        busy.push({ frame, ms });
      }
    });
  }
  const busyMs = busy.reduce((sum, sample) => sum + sample.ms, 0);
  const top = (nameOf: (frame: CallFrame) => string) => {
    const entries = new Map<string, ProfileEntry>();
    for (const { frame, ms } of busy) {
      const name = nameOf(frame);
      const entry = entries.get(name) ?? { name, selfMs: 0, percent: 0 };
      entry.selfMs += ms;
      entry.percent += (100 * ms) / busyMs;
      entries.set(name, entry);
    }
    return [...entries.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, count);
  };
  return {
    byFunction: top(({ functionName, url, lineNumber }) => {
      const name = functionName || "(anonymous)";
      return url ? `${name} ${shortScript(url)}:${lineNumber + 1}` : name;
    }),
    bySource: top(({ functionName, url }) => (url ? sourceOf(url) : functionName)),
  };
}

/** A script's path from its package (inside node_modules) or from the app's folder. */
function shortScript(url: string): string {
  const file = url.replace(/^file:\/\//, "");
  const packageStart = file.lastIndexOf("node_modules/");
  if (packageStart >= 0) return file.slice(packageStart + "node_modules/".length);
  const workspaceStart = file.search(/\/(apps|packages)\//);
  return workspaceStart >= 0 ? file.slice(workspaceStart + 1) : file;
}

/** The package or Node.js module a script belongs to; the app's bundle (with what it bundles) as one. */
function sourceOf(url: string): string {
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const file = url.replace(/^file:\/\//, "");
  if (file.includes("/.next/server/")) return "the app's server bundle (.next/server)";
  const packageStart = file.lastIndexOf("node_modules/");
  // Enroll's own code, by workspace package: apps/web, packages/api...
  if (packageStart < 0) return shortScript(url).split("/").slice(0, 2).join("/");
  const [scope = "", name] = file.slice(packageStart + "node_modules/".length).split("/");
  return scope.startsWith("@") ? `${scope}/${name}` : scope;
}

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** The parts of V8's `.cpuprofile` format that self time needs. */
interface CpuProfile {
  nodes: { callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileEntry {
  function: string;
  /** Script and line, relative to the nearest node_modules or to the app. */
  location: string;
  selfMs: number;
  /** Share of all samples, idle included. */
  percent: number;
}

/** The newest `.cpuprofile` in `directory`. */
export async function newestProfile(directory: string): Promise<string> {
  const names = (await readdir(directory)).filter((name) => name.endsWith(".cpuprofile")).sort();
  const newest = names.at(-1);
  if (!newest) throw new Error(`No .cpuprofile in ${directory}`);
  return path.join(directory, newest);
}

/** The functions that spent the most time themselves (not in their callees), summed over call sites. */
export async function topSelfTime(file: string, count = 15): Promise<ProfileEntry[]> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
  const entries = new Map<string, ProfileEntry>();
  for (const { callFrame, hitCount = 0 } of profile.nodes) {
    if (hitCount === 0) continue;
    const location = callFrame.url ? `${shortScript(callFrame.url)}:${callFrame.lineNumber + 1}` : "";
    const name = callFrame.functionName || "(anonymous)";
    const key = `${name} ${location}`;
    const entry = entries.get(key) ?? { function: name, location, selfMs: 0, percent: 0 };
    entry.selfMs += hitCount * msPerSample;
    entry.percent += (100 * hitCount) / profile.samples.length;
    entries.set(key, entry);
  }
  return [...entries.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, count);
}

function shortScript(url: string): string {
  const file = url.replace(/^file:\/\//, "");
  const packageStart = file.lastIndexOf("node_modules/");
  if (packageStart >= 0) return file.slice(packageStart + "node_modules/".length);
  const appStart = file.indexOf("/apps/");
  return appStart >= 0 ? file.slice(appStart + 1) : file;
}

/**
 * What a start needs to know of other processes to tell a PostgreSQL in use from one left behind.
 * Node.js tells no process's parent but its own (process.ppid): Linux does in /proc/<pid>/stat,
 * which even the slimmest container images have (unlike `ps`); macOS and the BSDs through `ps`.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

interface ProcessStatus {
  parent: number;
  /** It has exited, and its parent has not collected it yet (a zombie): nothing of it runs. */
  exited: boolean;
}

/** `pid`'s parent and whether it has exited; undefined when there is no such process or it cannot be told (Windows). */
export async function processStatus(pid: number): Promise<ProcessStatus | undefined> {
  if (process.platform === "win32") return undefined;
  if (process.platform === "linux") {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
    if (stat === undefined) return undefined;
    // `<pid> (<command, which may hold spaces and parentheses>) <state> <parent> …`
    const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { parent: Number(parent), exited: state === "Z" || state === "X" };
  }
  const ps = await promisify(execFile)("ps", ["-o", "ppid=,stat=", "-p", String(pid)]).catch(() => undefined);
  if (ps === undefined) return undefined;
  const [parent, state] = ps.stdout.trim().split(/\s+/);
  return { parent: Number(parent), exited: state?.startsWith("Z") ?? false };
}

/** This process's parent, its parent's parent, and so on up to the first process, as far as can be told. */
export async function ancestors(): Promise<number[]> {
  const chain: number[] = [];
  for (let pid: number | undefined = process.ppid; pid && !chain.includes(pid); pid = (await processStatus(pid))?.parent) {
    chain.push(pid);
  }
  return chain;
}

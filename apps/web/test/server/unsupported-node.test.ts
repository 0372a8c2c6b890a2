import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * A newcomer whose Node.js is too old for Enroll: Debian's own, /usr/bin/node (20 on Debian 13),
 * is the `node` that pnpm's scripts find, while pnpm itself is the one the quick start installs.
 */
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const manifest = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8")) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const systemNode = "/usr/bin/node";
const systemVersion = existsSync(systemNode) ? execFileSync(systemNode, ["--version"], { encoding: "utf8" }).trim().slice(1) : "";
const tooOld = Number.parseInt(systemVersion, 10) < 22;

const refusal = (version: string) =>
  `Node.js ${version} cannot run Enroll, which needs Node.js ${manifest.engines.node} (engines.node in package.json): ` +
  "install Node.js 24 with `npm install --global node@24`, then run this again.";

const scratch = mkdtempSync(path.join(tmpdir(), "enroll-old-node-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of a machine whose `node` is `binary`. */
function nodeFirstOnPath(binary: string): NodeJS.ProcessEnv {
  const bin = path.join(scratch, "bin");
  if (!existsSync(bin)) {
    mkdirSync(bin);
    symlinkSync(binary, path.join(bin, "node"));
  }
  return { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const { status, stdout, stderr } = spawnSync(command, args, { ...options, encoding: "utf8", timeout: 120_000 });
  return { status, output: stdout + stderr };
}

/** pnpm's own messages with their line breaks (it wraps them to the terminal's width) undone. */
const unwrapped = (output: string) => output.replace(/\s+/g, " ");

/** The manifests of the workspace, to install in a folder of their own (the checkout's node_modules stay as they are). */
function copyOfManifests(): string {
  const copy = mkdtempSync(path.join(scratch, "checkout-"));
  const manifests = ["package.json", "pnpm-workspace.yaml", "pnpm-lock.yaml", "scripts/check-node.mjs"];
  for (const group of ["apps", "packages"]) {
    for (const folder of readdirSync(path.join(repoRoot, group))) {
      if (existsSync(path.join(repoRoot, group, folder, "package.json"))) manifests.push(`${group}/${folder}/package.json`);
    }
  }
  for (const file of manifests) {
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    copyFileSync(path.join(repoRoot, file), path.join(copy, file));
  }
  return copy;
}

describe.runIf(tooOld)(`on Node.js ${systemVersion}`, () => {
  // Every script but the two that install Debian packages through apt-get.
  const scripts = Object.keys(manifest.scripts).filter((name) => !name.endsWith(":install"));

  it.each(scripts)("pnpm %s refuses with one sentence, and no stack", (script) => {
    const { status, output } = run("pnpm", [script], { cwd: repoRoot, env: nodeFirstOnPath(systemNode) });

    expect(status).not.toBe(0);
    expect(output).toContain(refusal(systemVersion));
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it("pnpm install refuses", () => {
    const { status, output } = run("pnpm", ["install", "--frozen-lockfile", "--offline"], {
      cwd: copyOfManifests(),
      env: nodeFirstOnPath(systemNode),
    });

    expect(status).not.toBe(0);
    expect(unwrapped(output)).toContain("Unsupported engine");
    expect(unwrapped(output)).toContain(`(current: {"node":"${systemVersion}"})`);
  });
});

/** A Node.js option that makes this Node.js say it is `version`. */
const pretendingToBe = (version: string) => `--import=data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${version}'})`;

const checkAs = (version: string) => run(process.execPath, [pretendingToBe(version), "scripts/check-node.mjs"], { cwd: repoRoot, env: process.env });

describe("scripts/check-node.mjs", () => {
  it.each(["22.19.0", "22.23.1", "24.5.0", "24.21.0", "25.2.1"])("lets Node.js %s through, without a word", (version) => {
    expect(checkAs(version)).toEqual({ status: 0, output: "" });
  });

  it.each(["18.20.8", "20.20.2", "22.18.0", "23.11.1", "24.4.1"])("refuses Node.js %s", (version) => {
    expect(checkAs(version)).toEqual({ status: 1, output: `${refusal(version)}\n` });
  });

  it("refuses at pnpm install a Node.js that the dependencies accept but Enroll does not", () => {
    const { status, output } = run("pnpm", ["install", "--frozen-lockfile", "--offline"], {
      cwd: copyOfManifests(),
      env: { ...process.env, NODE_OPTIONS: pretendingToBe("22.18.0") },
    });

    expect(status).not.toBe(0);
    expect(unwrapped(output)).toContain(refusal("22.18.0"));
  });
});

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let app: string;

/** The README's files for `apps/shop`: each fenced block whose first line is `// apps/shop/<file>`. */
async function readmeFiles(): Promise<Map<string, string>> {
  const readme = await readFile(path.join(root, "README.md"), "utf8");
  const files = new Map<string, string>();
  for (const [, file, content] of readme.matchAll(/```\w*\n\/\/ apps\/shop\/(\S+)\n([\s\S]*?)```/g)) {
    files.set(file!, content!);
  }
  return files;
}

/** Where pnpm would link `name`: the workspace package of that name, or the copy this workspace installed. */
async function installed(name: string, version: string): Promise<string> {
  if (version.startsWith("workspace:")) {
    for (const group of ["apps", "packages"]) {
      for (const folder of await readdir(path.join(root, group))) {
        const manifest = await readFile(path.join(root, group, folder, "package.json"), "utf8").catch(() => "{}");
        if (JSON.parse(manifest).name === name) return path.join(root, group, folder);
      }
    }
    throw new Error(`no workspace package ${name}`);
  }
  for (const base of [root, path.join(root, "apps/cli/")]) {
    try {
      return await realpath(path.dirname(createRequire(base).resolve(`${name}/package.json`)));
    } catch {
      // not installed for that package; try the next
    }
  }
  throw new Error(`${name} is not installed in the workspace`);
}

/**
 * The app the README describes, made as deep in the repository as `apps/shop` would be (its
 * tsconfig.json extends `../../tsconfig.base.json`) but in `.tmp/`, outside the workspace's globs:
 * under `apps/`, even a dot folder is taken for a workspace package by Turborepo, whose lockfile
 * check then fails and changes every task's hash, and `pnpm start` rebuilds the app mid-run. Its
 * dependencies are linked as `pnpm install` would link them.
 */
beforeAll(async () => {
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  app = await mkdtemp(path.join(root, ".tmp", "shop-"));
  const files = await readmeFiles();
  expect([...files.keys()].sort()).toEqual(["package.json", "src/enroll.ts", "src/retry.ts", "tsconfig.json"]);
  for (const [file, content] of files) {
    await mkdir(path.dirname(path.join(app, file)), { recursive: true });
    await writeFile(path.join(app, file), content);
  }
  const manifest = JSON.parse(files.get("package.json")!) as Record<string, Record<string, string>>;
  for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
    const link = path.join(app, "node_modules", name);
    await mkdir(path.dirname(link), { recursive: true });
    await symlink(await installed(name, version), link, "dir");
  }
});
afterAll(() => (app ? rm(app, { recursive: true, force: true }) : undefined));

/** Runs the app's own `tsc` on its tsconfig.json; resolves with the exit code and what it printed. */
async function typecheck(): Promise<{ code: number; output: string }> {
  return promisify(execFile)(process.execPath, [path.join(app, "node_modules/typescript/bin/tsc"), "-p", app]).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (failed: { code: number; stdout: string }) => ({ code: failed.code, output: failed.stdout }),
  );
}

it("type-checks the typed-client example in an app set up as the README says", async () => {
  expect(await typecheck()).toEqual({ code: 0, output: "" });
}, 120_000);

it("gives that app the router's own types: a wrong input does not type-check", async () => {
  await writeFile(
    path.join(app, "src/wrong.ts"),
    'import { createTRPCClient, httpLink } from "@trpc/client";\n' +
      'import type { AppRouter } from "@enroll/api";\n' +
      'const enroll = createTRPCClient<AppRouter>({ links: [httpLink({ url: "http://localhost:3000/api/trpc" })] });\n' +
      "await enroll.users.create.mutate({ email: 42 });\n",
  );
  try {
    const { code, output } = await typecheck();

    expect(code).not.toBe(0);
    expect(output).toMatch(/src\/wrong\.ts\(4,.*Type 'number' is not assignable to type 'string'/);
  } finally {
    await rm(path.join(app, "src/wrong.ts"));
  }
}, 120_000);

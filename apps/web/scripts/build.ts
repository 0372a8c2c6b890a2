/**
 * The first half of `pnpm start`: builds the app through Turborepo when a source changed since the
 * build in `.next`, and otherwise leaves `.next` alone, so a current build is served as it is (even
 * Turborepo's replay of a cached build rewrites `.next`, under the feet of a server already serving
 * it). Starts of one checkout that run at once take turns (a lock in `.turbo/`), so that two
 * `next build`s never write `.next` at the same time: the later one finds the build current.
 *
 * `build.ts record`, which ends the app's `build` script, writes down which sources a build was
 * made from (Turborepo's hash of the task, which it gives the task as TURBO_HASH), so that a
 * `pnpm build` or CI's build counts as current too.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import lockfile from "proper-lockfile";
import { paths } from "@enroll/db/lifecycle";

/** The hash of the sources the build in `.next` was made from. */
const builtFrom = `${paths.repoRoot}apps/web/.next/enroll-build-hash`;

if (process.argv[2] === "record") {
  writeFileSync(builtFrom, process.env.TURBO_HASH ?? "");
  process.exit(0);
}

const turbo = (argument: string, stdio: "pipe" | "inherit") =>
  spawnSync("pnpm", ["exec", "turbo", "run", "build", "--filter=web", argument], { cwd: paths.repoRoot, encoding: "utf8", stdio });

/** Turborepo's hash of the app's build: of its sources, its dependencies' and the settings that shape it. */
const { tasks } = JSON.parse(turbo("--dry=json", "pipe").stdout) as { tasks: { taskId: string; hash: string }[] };
const hash = tasks.find(({ taskId }) => taskId === "web#build")?.hash ?? "unknown";
const isCurrent = () => existsSync(builtFrom) && readFileSync(builtFrom, "utf8") === hash;

if (!isCurrent()) {
  const lockDir = `${paths.repoRoot}.turbo`;
  mkdirSync(lockDir, { recursive: true });
  const release = await lockfile.lock(lockDir, {
    lockfilePath: `${lockDir}/start-build.lock`,
    // A build takes a minute or so on a small machine; a lock left by a killed start is stale after 20 s.
    stale: 20_000,
    retries: { retries: 600, factor: 1, minTimeout: 500, maxTimeout: 500 },
  });
  if (!isCurrent()) {
    const build = turbo("--output-logs=errors-only", "inherit");
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  await release();
}

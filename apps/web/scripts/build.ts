/**
 * The first half of `pnpm start`: builds the app through Turborepo, which runs `next build` only when
 * a source changed since the last build and otherwise leaves `.next` as it is, so a current build is
 * served as it is. Starts of one checkout that run at once take turns here (a lock in `.turbo/`), so
 * that two `next build`s never write `.next` at the same time: the later one finds the build current.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import lockfile from "proper-lockfile";
import { paths } from "@enroll/db/lifecycle";

const lockDir = `${paths.repoRoot}.turbo`;
mkdirSync(lockDir, { recursive: true });
const release = await lockfile.lock(lockDir, {
  lockfilePath: `${lockDir}/start-build.lock`,
  // A build takes a minute or so on a small machine; a lock left by a killed start is stale after 20 s.
  stale: 20_000,
  retries: { retries: 600, factor: 1, minTimeout: 500, maxTimeout: 500 },
});
const build = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--filter=web", "--output-logs=errors-only"], {
  cwd: paths.repoRoot,
  stdio: "inherit",
});
await release();
process.exit(build.status ?? 1);

#!/usr/bin/env node
/**
 * `pnpm test`: lint, typecheck and every package's tests through Turborepo, then one closing line,
 * `N passed, N failed`, counted from the JSON reports that Vitest writes for each package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const reportDir = path.join(root, "reports");
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const turbo = spawnSync(
  "pnpm",
  ["exec", "turbo", "run", "lint", "typecheck", "test", "--continue", "--log-order=grouped"],
  { cwd: root, stdio: "inherit", env: { ...process.env, TEST_REPORT_DIR: reportDir, NEXT_TELEMETRY_DISABLED: "1" } },
);

/** Every workspace package with a `test` script writes `reports/<folder>.json`. */
const packagesWithTests = ["apps", "packages"].flatMap((group) =>
  readdirSync(path.join(root, group))
    .filter((folder) => {
      const manifest = path.join(root, group, folder, "package.json");
      return existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).scripts?.test;
    }),
);

let passed = 0;
let failed = 0;
const problems = [];
for (const folder of packagesWithTests) {
  const reportPath = path.join(reportDir, `${folder}.json`);
  if (!existsSync(reportPath)) {
    failed += 1;
    problems.push(`${folder}: its tests did not run to the end (no report)`);
    continue;
  }
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A test file that fails before any test runs (an import error, a failing beforeAll) counts once.
  for (const file of report.testResults) {
    if (file.status === "failed" && file.assertionResults.every((test) => test.status !== "failed")) {
      failed += 1;
      problems.push(`${folder}: ${path.relative(root, file.name)} failed outside its tests: ${file.message}`);
    }
  }
}
if (turbo.status !== 0) problems.push("lint, typecheck, build or a test task failed (see above)");

for (const problem of problems) console.log(problem);
console.log(`${passed} passed, ${failed} failed`);
process.exit(turbo.status === 0 && failed === 0 ? 0 : 1);

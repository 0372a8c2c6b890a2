import path from "node:path";
import type { ViteUserConfig } from "vitest/config";

/**
 * The Vitest settings every package shares. With TEST_REPORT_DIR set (as `pnpm test` does), each
 * package also writes a JSON report there, from which the run's closing line is counted.
 */
export function testConfig(packageName: string, { database }: { database: boolean }): ViteUserConfig {
  const reportDir = process.env.TEST_REPORT_DIR;
  return {
    test: {
      globalSetup: database ? ["@enroll/db/testing/global-setup"] : [],
      testTimeout: 60_000,
      hookTimeout: 90_000,
      // Node 24 imports Prisma's WASM migration engine without a flag, but warns that it is experimental.
      execArgv: ["--disable-warning=ExperimentalWarning"],
      reporters: reportDir
        ? ["default", ["json", { outputFile: path.join(reportDir, `${packageName}.json`) }]]
        : ["default"],
    },
  };
}

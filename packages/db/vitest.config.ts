import { defineConfig } from "vitest/config";
import { testConfig } from "../../vitest.shared.ts";

const config = testConfig("db", { database: true });
// This package holds the global setup itself, so it names the file rather than the export.
export default defineConfig({ ...config, test: { ...config.test, globalSetup: ["./src/testing-global-setup.ts"] } });

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["@enroll/db/testing/global-setup"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    execArgv: ["--experimental-wasm-modules", "--no-warnings"],
  },
});

/**
 * `pnpm start`, `pnpm dev` and `pnpm db:migrate`: checks the configuration, starts the embedded
 * PostgreSQL unless DATABASE_URL names a database, and applies pending migrations; then, unless only
 * migrating, runs Next.js on PORT.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { ConfigError, loadConfig } from "@enroll/api/config";
import { migrateDatabase, paths, startEmbeddedPostgres } from "@enroll/db/lifecycle";

const modes = ["start", "dev", "migrate"] as const;
const mode = modes.find((known) => known === process.argv[2]) ?? fail(`Usage: run.ts ${modes.join("|")}`);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
})();

const embedded = config.databaseUrl
  ? undefined
  : await startEmbeddedPostgres({ dataDir: paths.embeddedData, port: config.embeddedPostgresPort });
if (embedded) {
  console.log(`Embedded PostgreSQL: data in ${paths.embeddedData}, listening on port ${config.embeddedPostgresPort}`);
}
const databaseUrl = embedded?.url ?? config.databaseUrl ?? fail("No database");

try {
  const applied = await migrateDatabase(databaseUrl);
  console.log(applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database schema is up to date");
} catch (error) {
  await embedded?.stop();
  fail(`Could not migrate the database: ${error instanceof Error ? error.message : String(error)}`);
}
if (mode === "migrate") {
  await embedded?.stop();
  process.exit(0);
}

/**
 * Under load V8 lets the old generation of `next start` grow to ~170 MB around ~60 MB of live
 * objects (peak RSS ~290 MB at 64 connections); capped at 256 MB it keeps about half that slack
 * (peak RSS ~180 MB) at no measurable cost in requests/s. A NODE_OPTIONS of the caller's comes
 * later and wins.
 */
const heapLimit = mode === "start" ? "--max-old-space-size=256" : "";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const next = spawn(process.execPath, [nextBin, mode, "--port", String(config.port)], {
  stdio: "inherit",
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_OPTIONS: `${heapLimit} ${process.env.NODE_OPTIONS ?? ""}`.trim(),
  },
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => next.kill(signal));
}
next.on("exit", async (code, signal) => {
  await embedded?.stop();
  process.exit(code ?? (signal ? 0 : 1));
});

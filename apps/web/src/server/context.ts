import "server-only";
import { loadConfig, type Context } from "@enroll/api";
import { createDatabase } from "@enroll/db";

const cache = globalThis as typeof globalThis & { enrollContext?: Context };

/**
 * The configuration and database pool, made once per server process (and kept across hot reloads
 * in development). `scripts/run.ts` has already checked the configuration and set DATABASE_URL.
 */
export function getContext(): Context {
  if (cache.enrollContext) return cache.enrollContext;
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new Error("DATABASE_URL is not set: start the app with `pnpm start` or `pnpm dev`.");
  }
  cache.enrollContext = { config, db: createDatabase(config.databaseUrl, { poolSize: config.databasePoolSize }) };
  return cache.enrollContext;
}

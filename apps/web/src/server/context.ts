import "server-only";
import { loadConfig, openSigningKeys, type Context } from "@enroll/api";
import { createDatabase } from "@enroll/db";

const cache = globalThis as typeof globalThis & { enrollContext?: Promise<Context> };

/**
 * The configuration, database pool and session keys, made once per server process (and kept across hot reloads
 * in development). `scripts/run.ts` has already checked the configuration and set DATABASE_URL.
 */
export function getContext(): Promise<Context> {
  cache.enrollContext ??= openContext();
  return cache.enrollContext;
}

async function openContext(): Promise<Context> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new Error("DATABASE_URL is not set: start the app with `pnpm start` or `pnpm dev`.");
  }
  const db = createDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  return { config, db, keys: await openSigningKeys(db, config.secrets.keys) };
}

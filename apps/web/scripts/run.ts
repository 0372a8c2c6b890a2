/**
 * `pnpm start`, `pnpm dev` and `pnpm db:migrate`: checks the configuration, starts the embedded
 * PostgreSQL unless DATABASE_URL names a database, and applies pending migrations; then, unless only
 * migrating, serves the app on PORT (server.ts) until SIGINT or SIGTERM (exit 0) or a crash (exit 1),
 * stopping in order either way.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "@enroll/api/config";
import { log } from "@enroll/api/log";
import { openSigningKeys } from "@enroll/api/sessions/keys";
import { startWebhookDelivery } from "@enroll/api/webhooks";
import { createDatabase } from "@enroll/db";
import {
  DataFolderInUseError,
  migrateDatabase,
  paths,
  startEmbeddedPostgres,
  takeBackStopSignals,
} from "@enroll/db/lifecycle";

const modes = ["start", "dev", "migrate"] as const;
const mode = modes.find((known) => known === process.argv[2]) ?? fail(`Usage: run.ts ${modes.join("|")}`);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** What is stopped on the way out, last started first: the server, the pool, then the database. */
const running: { name: string; stop(): Promise<void> }[] = [];
let stopping = false;

/**
 * Stops everything in order, once (a Ctrl-C reaches both this process and pnpm, which passes it
 * on), then exits with `exitCode`; whatever hangs, the process is gone within 20 s.
 */
async function stopAll(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(exitCode), 20_000).unref();
  const order = [...running].reverse();
  log.info(`${reason}: stopping ${order.map(({ name }) => name).join(", ") || "nothing"}`);
  for (const { name, stop } of order) await stop().catch((error: unknown) => log.error({ err: error }, `Could not stop ${name}`));
  process.exit(exitCode);
}

takeBackStopSignals();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopAll(signal, 0));

// What the environment sets wins over the checkout's .env.
if (existsSync(paths.envFile)) process.loadEnvFile(paths.envFile);

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
})();

/** The database to serve: DATABASE_URL's, or else the embedded one, started here and stopped on exit. */
async function openDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };
  const embedded = await startEmbeddedPostgres({ dataDir: paths.embeddedData, port: config.embeddedPostgresPort, warn: (message) => log.warn(message) }).catch(
    (error: Error) =>
      fail(
        error instanceof DataFolderInUseError
          ? error.message
          : `Could not start the embedded PostgreSQL (EMBEDDED_POSTGRES_PORT picks another port): ${error.message}`,
      ),
  );
  log.info(`Embedded PostgreSQL: data in ${paths.embeddedData}, listening on port ${config.embeddedPostgresPort}`);
  return embedded;
}

const database = await openDatabase();
running.push({ name: "the database", stop: () => database.stop() });
try {
  const applied = await migrateDatabase(config.databaseDirectUrl ?? database.url);
  log.info(applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database schema is up to date");
} catch (error) {
  await database.stop();
  fail(`Could not migrate the database: ${error instanceof Error ? error.message : String(error)}`);
}
if (mode === "migrate") {
  await database.stop();
  process.exit(0);
}

// Next.js and React read NODE_ENV when they load (as `next start` and `next dev` set it), so it is
// settled before server.ts imports them; Next.js sends no telemetry from Enroll.
Object.assign(process.env, { NODE_ENV: mode === "dev" ? "development" : "production", NEXT_TELEMETRY_DISABLED: "1" });
// Next.js, and route handlers that read files (path.join(process.cwd(), …)), run from the app's
// folder, as under `next start`; pnpm start runs this script from the repository's root.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));
const { startServer } = await import("../server.ts");
const db = createDatabase(database.url, { poolSize: config.databasePoolSize });
running.push({ name: "the pool", stop: () => db.$disconnect() });
// Every instance on this database signs and verifies with the same keys, made by the first start.
const keys = await openSigningKeys(db, config.secrets.keys).catch(async (error: Error) => {
  await db.$disconnect();
  await database.stop();
  return fail(`Could not open the session keys in the database: ${error.message}`);
});
// Delivers the webhook outbox's events beside the server: stopped after it (the server's last
// sign-ups may still wake it), before the pool its attempts are recorded through.
const webhookDelivery = config.webhooks.enabled
  ? startWebhookDelivery({ db, keys, audience: config.session.audience, maxAttempts: config.webhooks.maxAttempts })
  : undefined;
if (webhookDelivery) running.push({ name: "webhook delivery (attempts in flight may finish)", stop: () => webhookDelivery.stop() });
const server = await startServer({ context: { config, db, keys, webhookDelivery }, dev: mode === "dev" }).catch(async (error: Error) => {
  await webhookDelivery?.stop();
  await db.$disconnect();
  await database.stop();
  return fail(`Could not serve on port ${config.port} (PORT picks another): ${error.message}`);
});
running.push({ name: "the server (requests in flight may finish)", stop: () => server.close() });
log.info(`Enroll is serving on http://localhost:${config.port}`);

// A crash (an exception or rejection nobody handled) leaves the process in a state nobody planned
// for: it is logged, everything is stopped in order, and the exit code (1) tells a supervisor to
// start again. Next.js's own handlers, which print the error and keep serving, are replaced.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.removeAllListeners(event);
  process.on(event, (error: unknown) => {
    log.fatal({ err: error }, "Crashed");
    void stopAll("Crashed", 1);
  });
}

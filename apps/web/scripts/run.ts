/**
 * `pnpm start`, `pnpm dev` and `pnpm db:migrate`: checks the configuration, starts the embedded
 * PostgreSQL unless DATABASE_URL names a database, and applies pending migrations; then, unless only
 * migrating, opens what the servers need and serves the app on PORT and the admin API on
 * ADMIN_HOST:ADMIN_PORT (server.ts) until SIGINT, SIGHUP or SIGTERM (exit 0) or a crash (exit 1).
 * Everything long-lived is opened through `open`, in the order below, and stopped in reverse on
 * every way out, a failed start included.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "@enroll/api/config";
import { log } from "@enroll/api/log";
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

/** What is open, in the order it was opened. */
const running: { name: string; stop(): Promise<void> }[] = [];
let stopping = false;

/**
 * Stops everything in reverse order, once (a Ctrl-C reaches both this process and pnpm, which
 * passes it on), says `message` when there is one, then exits with `exitCode`; whatever hangs, the
 * process is gone within 20 s.
 */
async function stopAll(reason: string, exitCode: number, message?: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    setTimeout(() => process.exit(exitCode), 20_000).unref();
    const order = [...running].reverse();
    log.info(`${reason}: stopping ${order.map(({ name }) => name).join(", ") || "nothing"}`);
    for (const { name, stop } of order) await stop().catch((error: unknown) => log.error({ err: error }, `Could not stop ${name}`));
    if (message) console.error(message);
    process.exit(exitCode);
  }
  return new Promise<never>(() => {});
}

/**
 * Opens one long-lived thing and keeps it to stop on the way out; when it cannot be opened, says why
 * (`failure`) and stops what is already open.
 */
async function open<T>(name: string, start: () => Promise<T>, stop: (opened: T) => Promise<void>, failure: (error: Error) => string): Promise<T> {
  try {
    const opened = await start();
    running.push({ name, stop: () => stop(opened) });
    return opened;
  } catch (error) {
    return stopAll("Could not start", 1, failure(error as Error));
  }
}

takeBackStopSignals();
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stopAll(signal, 0));

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

// The database to serve: DATABASE_URL's, or else the embedded one, started here.
const database = await open(
  "the database",
  async () => {
    if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => {} };
    const dataDir = paths.embeddedData(config.embeddedPostgresDataDir);
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: config.embeddedPostgresPort,
      warn: (message) => log.warn(message),
    });
    log.info(`Embedded PostgreSQL: data in ${dataDir}, listening on port ${config.embeddedPostgresPort}`);
    return embedded;
  },
  (opened) => opened.stop(),
  (error) =>
    error instanceof DataFolderInUseError
      ? error.message
      : `Could not start the embedded PostgreSQL (EMBEDDED_POSTGRES_PORT picks another port): ${error.message}`,
);
const applied = await migrateDatabase(config.databaseDirectUrl ?? database.url).catch((error: Error) =>
  stopAll("Could not migrate", 1, `Could not migrate the database: ${error.message}`),
);
log.info(applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database schema is up to date");
if (mode === "migrate") await stopAll("Migrated", 0);

// Next.js and React read NODE_ENV when they load (as `next start` and `next dev` set it), so it is
// settled before @enroll/api and server.ts load; Next.js sends no telemetry from Enroll.
Object.assign(process.env, { NODE_ENV: mode === "dev" ? "development" : "production", NEXT_TELEMETRY_DISABLED: "1" });
// Next.js runs from the app's folder, as under `next start`; pnpm start runs this script from the repository's root.
process.chdir(fileURLToPath(new URL("..", import.meta.url)));
const { openMetrics, openRateLimiters, openSigningKeys, startEmailWorker, startWebhookWorker } = await import("@enroll/api");
const { openPages, startAdminServer, startServer } = await import("../server.ts");

const db = await open(
  "the pool",
  async () => createDatabase(database.url, { poolSize: config.databasePoolSize }),
  (pool) => pool.$disconnect(),
  (error) => `Could not open the database pool: ${error.message}`,
);
// Counted from here on; scraped at the admin listener's /metrics.
const metrics = await open(
  "the metrics",
  async () => openMetrics(db),
  async (opened) => opened.close(),
  (error) => `Could not open the metrics: ${error.message}`,
);
// Every instance on this database signs and verifies with the same keys, made by the first start.
const keys = await open(
  "the session keys",
  () => openSigningKeys(db, config.secrets.keys, config.session.signingAlgorithm),
  async () => {},
  (error) => `Could not open the session keys in the database: ${error.message}`,
);
const rateLimiter = await open(
  "the rate limiter",
  () => openRateLimiters(config.rateLimiter),
  async (limiter) => limiter?.close(),
  (error) => `Could not open the rate limiter: ${error.message}`,
);
// Stopped after the server (its last sign-ups may still wake it), before the pool its attempts are recorded through.
const webhooks = await open(
  "webhook delivery (attempts in flight may finish)",
  async () =>
    config.webhooks.enabled
      ? startWebhookWorker({
          db,
          keys,
          audience: config.session.audience,
          maxAttempts: config.webhooks.maxAttempts,
          onAttempted: metrics.countDeliveryAttempt,
        })
      : undefined,
  async (worker) => worker?.stop(),
  (error) => `Could not start webhook delivery: ${error.message}`,
);
// Stopped after the server, as webhook delivery is, before the pool.
const { smtp, fromAddress, fromName } = config.emailDelivery;
const mail = await open(
  "email delivery (messages in flight may finish)",
  async () =>
    config.emailDelivery.via === "smtp" ? startEmailWorker({ db, smtp: smtp!, from: { address: fromAddress!, name: fromName } }) : undefined,
  async (worker) => worker?.stop(),
  (error) => `Could not start email delivery: ${error.message}`,
);
const services = { config, db, keys, rateLimiter, webhooks, metrics, mail };
const dev = mode === "dev";
// Shared by both listeners; closed after both.
const pages = await open(
  "the pages (Next.js)",
  () => openPages({ dev, port: config.port }),
  (opened) => opened.close(),
  (error) => `Could not prepare the pages: ${error.message}`,
);
// Opened before the public listener, so that the app answers on both once it answers at all.
const admin = await open(
  "the admin server (requests in flight may finish)",
  () => startAdminServer({ services, dev, pages }),
  (server) => server.close(),
  (error) => `Could not serve the admin API on ${config.admin.host} port ${config.admin.port} (ADMIN_HOST and ADMIN_PORT pick another): ${error.message}`,
);
const server = await open(
  "the server (requests in flight may finish)",
  () => startServer({ services, dev, pages }),
  (server) => server.close(),
  (error) => `Could not serve on port ${config.port} (PORT picks another): ${error.message}`,
);
log.info(`Enroll is serving on ${server.url}, its admin API on ${admin.url}${config.admin.apiKey ? " (with ADMIN_API_KEY)" : ""}`);
if (config.emailDelivery.via === "mailbox") {
  log.info(
    `Passcode emails are not sent but kept in the mailbox: open ${server.url}/mailbox ` +
      "(set EMAIL_DELIVERY_SMTP_HOST and EMAIL_DELIVERY_FROM_ADDRESS to send them)",
  );
} else if (config.emailDelivery.via === "none") {
  log.warn(
    "Passcode emails cannot be sent: set EMAIL_DELIVERY_SMTP_HOST and EMAIL_DELIVERY_FROM_ADDRESS, or EMAIL_MAILBOX_ENABLED=true " +
      "to read them in the app; until then they wait in the outbox until their passcodes expire",
  );
}

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

/**
 * The scale-out topology of deploy/ on one machine: PgBouncer (deploy/pgbouncer.ini) in front of
 * one PostgreSQL, Redis for the rate limit, N instances started as `pnpm start` runs them with the
 * environment of deploy/enroll.env, and HAProxy (deploy/haproxy.cfg) in front of them. Only the
 * addresses are this machine's.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseEnv } from "node:util";
import { startApp, type RunningApp } from "web/testing";
import { deployFiles, startHaproxy, startPgBouncer, startRedis, type Daemon } from "web/testing/daemons";

/** What every instance shares: the database behind PgBouncer, Redis and the signing secret. */
export interface SharedServices {
  /** The database through PgBouncer, as the instances' DATABASE_URL. */
  pooledUrl: string;
  /** The same database on PostgreSQL itself, as their DATABASE_DIRECT_URL. */
  directUrl: string;
  pgbouncer: Daemon;
  redis: Daemon;
  /** The SECRETS_KEYS of every instance. */
  secret: string;
  stop(): Promise<void>;
}

/** PgBouncer in front of the PostgreSQL of `databaseUrl` (a database on it), and a Redis. */
export async function startSharedServices(databaseUrl: string): Promise<SharedServices> {
  const [pgbouncer, redis] = await Promise.all([startPgBouncer(databaseUrl), startRedis()]);
  const pooled = new URL(databaseUrl);
  pooled.port = new URL(pgbouncer.url).port;
  return {
    pooledUrl: pooled.toString(),
    directUrl: databaseUrl,
    pgbouncer,
    redis,
    secret: randomBytes(24).toString("hex"),
    stop: async () => {
      await Promise.all([pgbouncer.stop(), redis.stop()]);
    },
  };
}

export interface Topology {
  /** HAProxy: where clients connect. */
  url: string;
  haproxy: Daemon;
  instances: RunningApp[];
  /** Stops HAProxy and every instance still running; the shared services stay. */
  stop(): Promise<void>;
}

/**
 * The environment of every instance: deploy/enroll.env with its addresses replaced by this
 * machine's, then `env` (for a benchmark's or a test's own settings).
 */
async function instanceEnvironment(services: SharedServices, env: Record<string, string>): Promise<Record<string, string>> {
  const file = parseEnv(await readFile(deployFiles.environment, "utf8")) as Record<string, string>;
  return {
    ...file,
    DATABASE_URL: services.pooledUrl,
    DATABASE_DIRECT_URL: services.directUrl,
    REDIS_URL: services.redis.url,
    SECRETS_KEYS: services.secret,
    // HAProxy reaches the instances from 127.0.0.1 here.
    SERVER_TRUSTED_PROXIES: "127.0.0.1",
    // The test harness turns the limiter off unless told otherwise; the deployment has it on.
    RATE_LIMITER_ENABLED: "true",
    ...env,
  };
}

/** `count` instances on the shared services, started together, and HAProxy in front of them. */
export async function startTopology(services: SharedServices, count: number, env: Record<string, string> = {}): Promise<Topology> {
  const environment = await instanceEnvironment(services, env);
  const started = await Promise.allSettled(Array.from({ length: count }, () => startApp(services.pooledUrl, environment)));
  const instances = started.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (failed) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw failed.reason;
  }
  let haproxy: Daemon;
  try {
    haproxy = await startHaproxy(instances.map((instance) => new URL(instance.url).host));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw error;
  }
  return {
    url: haproxy.url,
    haproxy,
    instances,
    stop: async () => {
      await haproxy.stop();
      await Promise.all(instances.map((instance) => instance.stop()));
    },
  };
}

/** An instance's `enroll_sign_ups_total` by outcome (`created`, `rate_limited`, …), from its admin /metrics. */
export async function signUpsByOutcome(instance: RunningApp): Promise<Record<string, number>> {
  const text = await (await fetch(`${instance.adminUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, outcome, value] of text.matchAll(/^enroll_sign_ups_total\{outcome="(\w+)"\} (\d+)$/gm)) {
    counts[outcome!] = Number(value);
  }
  return counts;
}

import { parseArgs } from "node:util";
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from "@enroll/api/config";
import { scenarios, type ScenarioName } from "./scenarios.ts";

export interface Options {
  help: boolean;
  warmupSeconds: number;
  durationSeconds: number;
  connections: number[];
  /** How many times every cell is measured, the rounds interleaved; the table shows the medians. */
  rounds: number;
  scenarios: ScenarioName[];
  /** Profile the app's process with V8's profiler and print where its time went. */
  cpuProfile: boolean;
  /** The app sends a user.create webhook per sign-up to a receiver on loopback. */
  webhooks: boolean;
  /** SESSION_SIGNING_ALGORITHM of the app and the baseline alike; each is measured in every round. */
  signing: SigningAlgorithm[];
  /** Where the JSON report goes. */
  out: string;
}

export const usage = `Usage: pnpm bench [options]
  --duration <s>        seconds measured per cell (default 10)
  --warmup <s>          seconds of unmeasured load before each cell (default 3)
  --quick               --warmup 1 --duration 3
  --rounds <n>          interleaved rounds; the app is started anew for each (default 3)
  --connections <list>  concurrent connections, e.g. 1,16,64 (the default)
  --scenarios <list>    any of rest, trpc, mix (default: all three)
  --cpu-prof            profile the app under load and print where its time went
  --signing <list>      session signing algorithms, any of RS256 (the default), ES256, EdDSA: the app
                        and the baseline sign with each in turn, so the table shows what each costs
  --webhooks            the app posts each sign-up's user.create webhook to a receiver on loopback;
                        after each app cell, waits until all are delivered (the baseline sends none)
  --out <file>          the JSON report (default packages/bench/results/latest.json)
  --help                this text
Environment: DATABASE_URL (a server to create a fresh database on; default: embedded PostgreSQL),
DATABASE_POOL_SIZE (for the app and the baseline alike).`;

export class UsageError extends Error {
  override name = "UsageError";
}

export function readOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string" },
      warmup: { type: "string" },
      quick: { type: "boolean", default: false },
      connections: { type: "string", default: "1,16,64" },
      rounds: { type: "string", default: "3" },
      scenarios: { type: "string", default: Object.keys(scenarios).join(",") },
      "cpu-prof": { type: "boolean", default: false },
      webhooks: { type: "boolean", default: false },
      signing: { type: "string", default: "RS256" },
      out: { type: "string", default: new URL("../results/latest.json", import.meta.url).pathname },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return {
    help: values.help,
    warmupSeconds: positiveNumber("--warmup", values.warmup ?? (values.quick ? "1" : "3")),
    durationSeconds: positiveNumber("--duration", values.duration ?? (values.quick ? "3" : "10")),
    connections: values.connections.split(",").map((count) => positiveNumber("--connections", count)),
    rounds: positiveNumber("--rounds", values.rounds),
    scenarios: values.scenarios.split(",").map((name) => {
      if (!Object.hasOwn(scenarios, name)) throw new UsageError(`Unknown scenario "${name}"`);
      return name as ScenarioName;
    }),
    cpuProfile: values["cpu-prof"],
    webhooks: values.webhooks,
    signing: values.signing.split(",").map((name) => {
      if (!(SIGNING_ALGORITHMS as readonly string[]).includes(name)) {
        throw new UsageError(`Unknown signing algorithm "${name}": one of ${SIGNING_ALGORITHMS.join(", ")}`);
      }
      return name as SigningAlgorithm;
    }),
    out: values.out,
  };
}

export function positiveNumber(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new UsageError(`${option} needs whole numbers above 0, not "${text}"`);
  }
  return value;
}

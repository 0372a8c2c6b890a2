import autocannon from "autocannon";

/**
 * Every sign-up request of one cell, and what came back: enough to check the database against the
 * answers afterwards.
 */
export class SignUpLedger {
  private readonly addresses: string[] = [];
  /** The addresses answered with 200, one entry per response. */
  readonly created: string[] = [];
  sent = 0;
  answered = 0;

  /** Starts every address of this cell, and no other address of the run. */
  readonly prefix: string;
  /** How many requests (0 to 1) repeat an address sent before, for 409s. */
  private readonly duplicateShare: number;

  constructor(prefix: string, duplicateShare: number) {
    this.prefix = prefix;
    this.duplicateShare = duplicateShare;
  }

  nextAddress(): string {
    this.sent++;
    if (this.addresses.length > 0 && Math.random() < this.duplicateShare) {
      return this.addresses[Math.floor(Math.random() * this.addresses.length)]!;
    }
    const address = `${this.prefix}${this.addresses.length}@bench.example`;
    this.addresses.push(address);
    return address;
  }

  record(address: string, status: number): void {
    this.answered++;
    if (status === 200) this.created.push(address);
  }
}

export interface Measurement {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /** Responses by HTTP status. */
  responses: Record<string, number>;
  /** Connection errors, timeouts and responses with a status the workload does not expect. */
  errors: number;
  /** How long the warm-up took: at least what was asked, and until every connection had its answer. */
  warmupSeconds: number;
}

export interface Load {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  expectedStatuses: number[];
}

/**
 * Past the warm-up asked for, how long to wait for the last connections' first answers. A saturated
 * Node.js server accepts pending connections slowly (one per turn of its event loop), and a first
 * request that waited seconds for its connection to be accepted says nothing about sign-ups.
 */
const MAX_EXTRA_WARMUP_SECONDS = 20;

/**
 * Sends sign-ups to `url` (a JSON body `{"email": …}`, which both doors read) from `connections`
 * keep-alive connections, each request with the ledger's next address. The same connections carry
 * the warm-up and then the measured `seconds`; `window` hears when the measurement starts and ends.
 */
export async function sendSignUps(
  url: string,
  ledger: SignUpLedger,
  { connections, warmupSeconds, seconds, expectedStatuses }: Load,
  window: { started(): void; ended(): void },
): Promise<Measurement> {
  const latencies: number[] = [];
  const responses: Record<string, number> = {};
  let errors = 0;
  let phase: "warm-up" | "measuring" | "done" = "warm-up";
  let startedAt = 0;
  let endedAt = 0;
  const warmupStartedAt = performance.now();
  const answeredConnections = new Set<unknown>();

  let instance!: autocannon.Instance;
  const finished = new Promise<void>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        duration: warmupSeconds + MAX_EXTRA_WARMUP_SECONDS + seconds + 1,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (request, context) => {
              const email = ledger.nextAddress();
              (context as SentRequest).email = email;
              return { ...request, body: JSON.stringify({ email }) };
            },
            onResponse: (status, _body, context) => ledger.record((context as SentRequest).email, status),
          },
        ],
      },
      (error) => (error ? reject(error) : resolve()),
    );
  });

  const startMeasuring = () => {
    if (phase !== "warm-up") return;
    phase = "measuring";
    clearTimeout(warmupLimit);
    startedAt = performance.now();
    window.started();
    setTimeout(() => {
      phase = "done";
      endedAt = performance.now();
      window.ended();
      instance.stop();
    }, seconds * 1000);
  };
  const warmupLimit = setTimeout(startMeasuring, (warmupSeconds + MAX_EXTRA_WARMUP_SECONDS) * 1000);

  instance.on("response", (connection, status, _bytes, latency) => {
    if (phase === "warm-up") {
      answeredConnections.add(connection);
      const warm = performance.now() - warmupStartedAt >= warmupSeconds * 1000;
      if (warm && answeredConnections.size === connections) startMeasuring();
    } else if (phase === "measuring") {
      latencies.push(latency);
      responses[status] = (responses[status] ?? 0) + 1;
      if (!expectedStatuses.includes(status)) errors++;
    }
  });
  instance.on("reqError", () => {
    if (phase === "measuring") errors++;
  });
  await finished;

  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / ((endedAt - startedAt) / 1000),
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    responses,
    errors,
    warmupSeconds: round((startedAt - warmupStartedAt) / 1000),
  };
}

/** `cpuMs` of CPU time spread over the answers of `measurement`, per answer, to the microsecond. */
export function cpuMsPerAnswer(cpuMs: number, { responses }: Pick<Measurement, "responses">): number {
  const answered = Object.values(responses).reduce((sum, count) => sum + count, 0);
  return Math.round((1000 * cpuMs) / answered) / 1000;
}

/** Nearest-rank percentile of sorted values, to 0.1 ms. */
function percentile(sorted: number[], share: number): number {
  return round(sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** What autocannon keeps between building a request and reading its response (one per connection). */
interface SentRequest {
  email: string;
}

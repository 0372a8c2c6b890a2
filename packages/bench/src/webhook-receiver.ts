import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";

/** `--webhooks`: where the app posts its user.create events, a bare node:http server on loopback in this process. */
export interface BenchReceiver {
  url: string;
  /** Posts received so far. */
  received(): number;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume().once("end", () => {
      received += 1;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface WebhookCheck {
  /** Events of the cell's sign-ups in the outbox, all delivered by the time this was read. */
  delivered: number;
  /** How long after the load ended the last one was delivered. */
  drainSeconds: number;
  /** One delivered event per complete sign-up of the cell, and the receiver got each once. */
  consistent: boolean;
}

/** Waits until the outbox holds nothing pending, then checks the cell's events against its sign-ups. */
export async function untilDelivered(
  client: pg.Client,
  { prefix, signedUp, receiver, receivedBefore }: { prefix: string; signedUp: number; receiver: BenchReceiver; receivedBefore: number },
): Promise<WebhookCheck> {
  const startedAt = performance.now();
  const deadline = startedAt + 300_000;
  for (;;) {
    const { rows } = await client.query<{ pending: number }>(
      "SELECT count(*)::int AS pending FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL",
    );
    if (rows[0]!.pending === 0 || performance.now() > deadline) break;
    await sleep(50);
  }
  const drainSeconds = (performance.now() - startedAt) / 1000;
  const { rows } = await client.query<{ events: number; delivered: number }>(
    `SELECT count(*)::int AS events, (count(*) FILTER (WHERE delivered_at IS NOT NULL AND attempts = 1))::int AS delivered
       FROM webhook_deliveries WHERE starts_with(data->'emails'->0->>'address', $1)`,
    [prefix],
  );
  const { events, delivered } = rows[0]!;
  return {
    delivered,
    drainSeconds,
    consistent: events === signedUp && delivered === events && receiver.received() - receivedBefore === events,
  };
}

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One POST as the receiver got it. */
export interface ReceivedWebhook {
  contentType: string | undefined;
  body: { token: string; event: string };
  /** The status it was answered with. */
  status: number;
}

/** What the receiver does with the n-th request (from 1): answer with a status (maybe later), or never answer. */
export type Answer = (request: number) => number | Promise<number> | "no answer";

export interface WebhookReceiver {
  /** The callback URL, e.g. http://127.0.0.1:41234/hooks; the same across down() and up(). */
  url: string;
  /** Every request so far, those refused included. */
  requests: ReceivedWebhook[];
  /** Those answered with a 2xx. */
  accepted(): ReceivedWebhook[];
  /** Resolves once `count` requests have been accepted; rejects after `deadlineMs`. */
  waitForAccepted(count: number, deadlineMs?: number): Promise<ReceivedWebhook[]>;
  /** Stops listening: the callback refuses connections until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A webhook receiver on loopback, a real node:http server as a callback would be: it records every
 * request and answers as `answer` says (200 unless told otherwise).
 */
export async function startWebhookReceiver(answer: Answer = () => 200): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const hanging = new Set<() => void>();
  let server: Server;
  let port = 0;

  async function listen(): Promise<void> {
    server = createServer(async (request, response) => {
      let text = "";
      for await (const chunk of request) text += chunk;
      const answered = answer(requests.length + 1);
      const received = { contentType: request.headers["content-type"], body: JSON.parse(text), status: 0 };
      requests.push(received);
      if (answered === "no answer") {
        hanging.add(() => response.destroy());
        return;
      }
      const status = await answered;
      received.status = status;
      response.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  }

  async function down(): Promise<void> {
    for (const hang of hanging) hang();
    hanging.clear();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  await listen();
  const accepted = () => requests.filter(({ status }) => status >= 200 && status < 300);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    accepted,
    async waitForAccepted(count, deadlineMs = 30_000) {
      const deadline = Date.now() + deadlineMs;
      while (accepted().length < count) {
        if (Date.now() > deadline) throw new Error(`${accepted().length} of ${count} webhooks accepted within ${deadlineMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return accepted();
    },
    down,
    up: listen,
    close: down,
  };
}

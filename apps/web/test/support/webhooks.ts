import { afterAll, beforeAll } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "@enroll/api/testing/webhook-receiver";

/**
 * For a test file: a webhook receiver on loopback, started before the file's apps (call this
 * before appOnFreshDatabase) and closed after them, and the settings that send it `events`, to
 * be read once it listens (its URL is known only then).
 */
export function webhookReceiverForFile(events: string[]): { receiver(): WebhookReceiver; settings(): Record<string, string> } {
  let receiver: WebhookReceiver | undefined;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver?.close());
  return {
    receiver: () => receiver!,
    settings: () => ({ WEBHOOKS_ENABLED: "true", WEBHOOKS_HOOKS: JSON.stringify([{ callback: receiver!.url, events }]) }),
  };
}

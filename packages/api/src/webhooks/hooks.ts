import type { WebhookHook } from "../config/index.ts";

/** The events Enroll sends. The reference has more (user.delete, email.send...); Enroll signs users up only. */
export type WebhookEvent = "user.create";

/**
 * The callbacks an event goes to, each once (none while webhooks are off): a hook subscribes to an
 * event by its name or by any prefix of it at a dot, as the reference matches (`"user"` takes every
 * user event).
 */
export function callbacksFor({ enabled, hooks }: { enabled: boolean; hooks: readonly WebhookHook[] }, event: WebhookEvent): string[] {
  if (!enabled) return [];
  const matches = (subscribed: string) => event === subscribed || event.startsWith(`${subscribed}.`);
  return [...new Set(hooks.filter(({ events }) => events.some(matches)).map(({ callback }) => callback))];
}

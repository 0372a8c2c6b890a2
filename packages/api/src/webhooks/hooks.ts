import type { WebhookHook } from "../config/index.ts";

/** The events Enroll sends: a user created (a sign-up, or an operator), a user deleted by an operator. The reference has more (email.send...). */
export type WebhookEvent = "user.create" | "user.delete";

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

/** The first retry comes after this long; each one after waits twice as long as the last, up to the cap. */
const FIRST_RETRY_DELAY_MS = 1_000;
const RETRY_DELAY_CAP_MS = 60 * 60 * 1_000;

/** How long to wait after the `attempts`-th failed attempt before the next one. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempts - 1), RETRY_DELAY_CAP_MS);
}

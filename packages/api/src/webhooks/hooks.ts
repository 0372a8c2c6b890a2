import { subscribes, type WebhookHook } from "../config/index.ts";

/**
 * The events Enroll sends: a user created, and a passcode email to send for those who send mail
 * themselves (EMAIL_DELIVERY_ENABLED=false). The reference has more (user.delete...).
 */
export type WebhookEvent = "user.create" | "email.send";

/** The callbacks an event goes to, each once (none while webhooks are off), as config's `subscribes` matches. */
export function callbacksFor({ enabled, hooks }: { enabled: boolean; hooks: readonly WebhookHook[] }, event: WebhookEvent): string[] {
  if (!enabled) return [];
  return [...new Set(hooks.filter(({ events }) => subscribes(events, event)).map(({ callback }) => callback))];
}

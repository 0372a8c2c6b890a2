import { subscribes, type WebhookHook } from "../config/index.ts";

/**
 * The events Enroll sends: a user created (a sign-up, or an operator), a user deleted by an
 * operator, and a passcode email to send for those who send mail themselves
 * (EMAIL_DELIVERY_ENABLED=false).
 */
export type WebhookEvent = "user.create" | "user.delete" | "email.send";

/** The callbacks an event goes to, each once (none while webhooks are off), as config's `subscribes` matches. */
export function callbacksFor({ enabled, hooks }: { enabled: boolean; hooks: readonly WebhookHook[] }, event: WebhookEvent): string[] {
  if (!enabled) return [];
  return [...new Set(hooks.filter(({ events }) => subscribes(events, event)).map(({ callback }) => callback))];
}

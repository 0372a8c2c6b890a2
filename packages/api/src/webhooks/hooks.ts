import { z } from "zod";

/** The events Enroll sends. The reference has more (user.delete, email.send...); Enroll signs users up only. */
export type WebhookEvent = "user.create";

const hook = z.object({
  callback: z.url({ protocol: /^https?$/, error: "each callback must be an http:// or https:// URL" }),
  events: z
    .array(z.string().regex(/^[a-z_]+(\.[a-z_]+)*$/, { error: 'each event must be a dotted name such as "user.create" or "user"' }))
    .min(1, { error: "each hook needs at least one event" }),
});

export type WebhookHook = z.infer<typeof hook>;

/**
 * The hooks as parsed JSON: a JSON list as it is, or the reference's own environment form, JSON
 * objects separated by `;` (`{"callback":…,"events":[…]};{"callback":…}`), as a list. A `;` inside
 * a callback is kept: pieces are joined back until they parse. Throws when the text is not JSON.
 */
function parseHooks(text: string): unknown {
  if (!text.trimStart().startsWith("{")) return JSON.parse(text);
  const hooks: unknown[] = [];
  let pending = "";
  for (const piece of text.split(";")) {
    pending = pending === "" ? piece : `${pending};${piece}`;
    if (pending.trim() === "") {
      pending = "";
      continue;
    }
    try {
      hooks.push(JSON.parse(pending));
      pending = "";
    } catch {
      // Not whole yet: the `;` was inside a string.
    }
  }
  if (pending !== "") JSON.parse(pending);
  return hooks;
}

/**
 * WEBHOOKS_HOOKS, as the reference's `webhooks.hooks`: a JSON list of `{"callback", "events"}`,
 * e.g. `[{"callback":"https://shop.example/hooks","events":["user.create"]}]`, or the same hooks
 * the way the reference reads them from its environment, separated by `;`.
 */
export const webhookHooks = z
  .string()
  .transform((text, context) => {
    try {
      return parseHooks(text);
    } catch {
      context.addIssue({ code: "custom", message: 'must be JSON, e.g. [{"callback":"https://example.org/hooks","events":["user.create"]}]' });
      return z.NEVER;
    }
  })
  .pipe(z.array(hook, { error: 'must be a JSON list of {"callback": "<url>", "events": ["user.create"]}' }));

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
export const FIRST_RETRY_DELAY_MS = 1_000;
export const RETRY_DELAY_CAP_MS = 60 * 60 * 1_000;

/** With the delays above, 40 attempts span about 28 hours: a receiver may be down for a day and miss nothing. */
export const WEBHOOK_DEFAULT_MAX_ATTEMPTS = 40;

/** How long to wait after the `attempts`-th failed attempt before the next one. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempts - 1), RETRY_DELAY_CAP_MS);
}

import { domainToASCII } from "node:url";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";
import { z } from "zod";

/** How the environment spells the values of settings, each checked with a sentence that says what it must be. */

export const flag = z.enum(["true", "false"]).transform((value) => value === "true");

export const port = z.coerce.number().int().min(1).max(65_535);

export const count = (max: number) => z.coerce.number().int().min(1).max(max);

/** An IP address to listen on, or `localhost`. */
export const listenHost = z
  .string()
  .refine((host) => host === "localhost" || ipaddr.isValid(host), { error: "must be an IP address such as 127.0.0.1 or ::1, or localhost" });

/** Whether `host` (a listenHost) reaches this machine only: `localhost`, 127.0.0.0/8 or ::1 (0.0.0.0 and :: are every interface). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || (ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback");
}

export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgresql:// connection URL" });

/** A comma-separated list, as Hanko's list settings are given in the environment; blanks dropped. */
export const commaSeparated = z.string().transform((list) => list.split(",").map((entry) => entry.trim()).filter(Boolean));

/** A comma-separated list of addresses and CIDR ranges, as proxy-addr reads them. */
export const addressList = commaSeparated.refine(
  (entries) => {
    try {
      proxyaddr.compile(entries);
      return true;
    } catch {
      return false;
    }
  },
  { error: "must be a comma-separated list of IP addresses or CIDR ranges, e.g. 10.0.0.0/8,192.168.1.7" },
);

/** The wildcard of SERVER_PUBLIC_CORS_ALLOW_ORIGINS: every origin. */
export const ANY_ORIGIN = "*";

/** A comma-separated list of origins (scheme, host and port, as browsers send `Origin`), or `*`. */
export const originList = commaSeparated.refine((entries) => entries.every((entry) => entry === ANY_ORIGIN || isOrigin(entry)), {
  error: "must be a comma-separated list of origins such as https://app.example.com (scheme, host and port, no path), or *",
});

function isOrigin(entry: string): boolean {
  try {
    const url = new URL(entry);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === entry;
  } catch {
    return false;
  }
}

/** One DNS label as IDNA's ASCII form writes it: letters, digits and inner hyphens, at most 63. */
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The one spelling in which domains are compared: IDNA's ASCII form, as node:url's domainToASCII
 * gives it (UTS #46: lower case, full-width letters mapped, `bücher.example` as
 * `xn--bcher-kva.example`), without a trailing dot. Undefined when `name` is no domain name: an IP
 * address, a wildcard, an empty label. Only letters, marks, digits, hyphens and dots reach
 * domainToASCII, which reads its input as a URL's host (`%61` decoded, the rest cut at `/`).
 */
export function asciiDomain(name: string): string | undefined {
  const withoutRoot = name.endsWith(".") ? name.slice(0, -1) : name;
  if (!/^[\p{L}\p{M}\p{N}.-]+$/u.test(withoutRoot)) return undefined;
  const ascii = domainToASCII(withoutRoot);
  const labels = ascii.split(".");
  const isDomain = ascii.length <= 253 && labels.every((label) => ASCII_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
  return isDomain ? ascii : undefined;
}

/** A comma-separated list of domains, each in its ASCII form; a bad entry is named. */
export const domainList = commaSeparated
  .pipe(
    z.array(
      z.string().transform((entry, context) => {
        const domain = asciiDomain(entry);
        if (domain !== undefined) return domain;
        context.issues.push({
          code: "custom",
          input: entry,
          message: `${JSON.stringify(entry)} is not a domain name; list domains such as example.com (each covers its subdomains)`,
        });
        return z.NEVER;
      }),
    ),
  )
  .transform((domains): ReadonlySet<string> => new Set(domains));

const GO_DURATION_UNITS_IN_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };

/** A duration in Go's syntax, as Hanko's configuration takes it (`12h`, `30m`, `1h30m`, `90s`), in whole seconds. */
export const goDuration = z
  .string()
  .regex(/^(\d+(\.\d+)?(h|ms|m|s))+$/, { error: "must be a duration such as 12h, 30m or 1h30m" })
  .transform((text) =>
    Math.floor(
      [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)].reduce(
        (seconds, [, amount, unit]) => seconds + Number(amount) * GO_DURATION_UNITS_IN_SECONDS[unit!]!,
        0,
      ),
    ),
  )
  .refine((seconds) => seconds >= 1, { error: "must be at least 1s" });

const hook = z.object({
  callback: z.url({ protocol: /^https?$/, error: "each callback must be an http:// or https:// URL" }),
  events: z
    .array(z.string().regex(/^[a-z_]+(\.[a-z_]+)*$/, { error: 'each event must be a dotted name such as "user.create" or "user"' }))
    .min(1, { error: "each hook needs at least one event" }),
});

export type WebhookHook = z.output<typeof hook>;

/** Whether a hook's `events` take `event`: by its name or by any prefix of it at a dot, as the reference matches (`"user"` takes every user event). */
export function subscribes(events: readonly string[], event: string): boolean {
  return events.some((subscribed) => event === subscribed || event.startsWith(`${subscribed}.`));
}

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

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isLoopback } from "../config/index.ts";
import { AdminKeyRequiredError, ForbiddenError } from "../errors.ts";
import type { Route } from "./route.ts";
import { isFromForeignSite } from "./cors.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** The name of the host a request was sent to, from its `Host` (undefined when it names none). */
function hostnameOf(request: IncomingMessage): string | undefined {
  const host = request.headers.host;
  if (host === undefined || !URL.canParse(`http://${host}`)) return undefined;
  return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, "");
}

/**
 * The admin listener's own step, before any of its routes but those that hold no data (`keyless`):
 * with ADMIN_API_KEY set, the request must carry `Authorization: Bearer <key>` (compared in
 * constant time), else 401. Without a key the listener is bound to loopback (config refuses
 * anything else), so only this machine reaches it; what remains are the browsers on this machine,
 * which must not be led to it by another site: a request sent to a name that is not loopback (a DNS
 * rebinding) or from another site's page is refused (403).
 */
export function adminKeyCheck(apiKey: string | undefined): (request: IncomingMessage, route: Route) => void {
  const expected = apiKey === undefined ? undefined : digest(apiKey);
  return (request, route) => {
    if (route.keyless) return;
    if (expected) {
      const given = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) throw new AdminKeyRequiredError();
      return;
    }
    const hostname = hostnameOf(request);
    if (hostname === undefined || !isLoopback(hostname) || isFromForeignSite(request, [])) throw new ForbiddenError();
  };
}

import type { Method, Route, RouteMethod } from "../http/route.ts";

/** An unreserved character (RFC 3986 §2.3), whose percent-encoding means the character itself. */
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * The path a request-target names, in one spelling: query dropped (an absolute-form target read for
 * its path), percent-encoded unreserved characters decoded (`%2e` is `.`, `%75` is `u`), repeated
 * slashes folded, dot segments resolved, a trailing slash dropped: `/./users`, `/x/../users`,
 * `/%2e/users`, `//users` and `/users/` are all `/users`. Undefined for a target that names no path
 * (`*`). Routing on it means no spelling of a route reaches anything but that route.
 */
export function canonicalPath(target: string): string | undefined {
  let path = target.split("?", 1)[0]!.split("#", 1)[0]!;
  if (!path.startsWith("/")) {
    if (!URL.canParse(path)) return undefined;
    path = new URL(path).pathname;
  }
  const decoded = path.replace(/%([0-9a-fA-F]{2})/g, (escape, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : escape.toUpperCase();
  });
  // Folded before the URL parser sees it, which reads a leading `//` as a host.
  const resolved = new URL(decoded.replace(/[/\\]+/g, "/"), "http://enroll.invalid").pathname.replace(/\/+/g, "/");
  return resolved.length > 1 && resolved.endsWith("/") ? resolved.slice(0, -1) : resolved;
}

interface Match {
  route: Route;
  params: Record<string, string>;
  /** The route's handler for the request's method; undefined when the route does not answer it (405). */
  method: RouteMethod | undefined;
  /** The methods the route answers, for `Allow`. */
  allow: string;
}

/** Matches canonical paths against the table's paths, `{name}` standing for one segment. */
export function createRouter(routes: readonly Route[]): (method: string, path: string) => Match | undefined {
  const compiled = routes.map((route) => ({
    route,
    names: [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!),
    pattern: new RegExp(`^${route.path.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "([^/]+)")}$`),
    allow: Object.keys(route.methods).join(", "),
  }));
  return (method, path) => {
    for (const { route, names, pattern, allow } of compiled) {
      const found = pattern.exec(path);
      if (!found) continue;
      const params = Object.fromEntries(names.map((name, index) => [name, decodeSegment(found[index + 1]!)]));
      return { route, params, method: route.methods[method as Method], allow };
    }
    return undefined;
  };
}

/** A path parameter as its characters (a malformed escape is kept as it was written). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "cors";
import { ANY_ORIGIN } from "../config/index.ts";

/** What a page on an allowed origin may read of an answer, as the reference exposes it. */
const EXPOSED_HEADERS = [
  "X-Request-Id",
  "X-Session-Lifetime",
  "X-Auth-Token",
  "Retry-After",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
  "X-RateLimit-Reset",
];

/** How long a browser may keep a preflight's answer, in seconds (the reference's). */
const PREFLIGHT_MAX_AGE_SECONDS = 7_200;

/**
 * Whether a browser sent the request from a page of a site that may not act here: its `Origin` is
 * neither this host nor one of `allowOrigins`, or, without an `Origin`, its `Sec-Fetch-Site` says
 * another site (a sibling subdomain included). A request with neither (curl, a server) is no
 * browser's, and not a forgery of one.
 */
export function isFromForeignSite(request: IncomingMessage, allowOrigins: string[]): boolean {
  const { origin, host, "sec-fetch-site": fetchSite } = request.headers;
  if (origin !== undefined) {
    if (allowOrigins.includes(ANY_ORIGIN) || allowOrigins.includes(origin)) return false;
    return !URL.canParse(origin) || new URL(origin).host !== host;
  }
  return fetchSite === "cross-site" || fetchSite === "same-site";
}

/** A browser's preflight: OPTIONS naming the method it means to send. Any other OPTIONS is a request like any other. */
function isPreflight(request: IncomingMessage): boolean {
  return request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
}

/**
 * The CORS step of the public routes (`public` in the route table), with the `cors` middleware: a page on one of `allowOrigins`
 * (SERVER_PUBLIC_CORS_ALLOW_ORIGINS; `*` is any origin, reflected, allowed only on purpose) may call
 * them with credentials and read the exposed headers; its preflight is answered 204 with the methods,
 * the headers it asked for (reflected, as the reference's SDK sends its own) and a max-age. Any other
 * origin gets no CORS headers at all, so its browser keeps the answer from the page; its request is
 * still served, and its preflight answered 204, as the reference does. `Vary: Origin` always, so
 * that no cache hands one origin's answer to another. Returns whether it answered the request (a
 * preflight); the middleware and the origin check are synchronous, so it has by the time it returns.
 */
export function publicCors(allowOrigins: string[]): (request: IncomingMessage, response: ServerResponse) => boolean {
  const anyOrigin = allowOrigins.includes(ANY_ORIGIN);
  const allowed = new Set(allowOrigins);
  const applyCors = cors({
    origin: (origin, decide) => decide(null, origin !== undefined && (anyOrigin || allowed.has(origin)) ? origin : false),
    credentials: true,
    methods: ["GET", "HEAD", "POST"],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });

  return (request, response) => {
    response.setHeader("Vary", "Origin");
    // The middleware takes every OPTIONS for a preflight; one that is not goes to its route (a 405).
    if (request.method === "OPTIONS" && !isPreflight(request)) return false;
    let passedOn = false;
    applyCors(request, response, () => (passedOn = true));
    if (!passedOn) return true;
    if (!isPreflight(request)) return false;
    // A preflight from an origin not allowed: answered, without a word of CORS.
    response.writeHead(204, { "Content-Length": "0" }).end();
    return true;
  };
}

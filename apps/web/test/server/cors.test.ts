import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";

const ALLOWED = "https://app.example.com";
const ALSO_ALLOWED = "http://localhost:5173";
const NOT_ALLOWED = "https://evil.example.net";

let app: RunningApp;
let anyOriginApp: RunningApp;

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  [app, anyOriginApp] = await Promise.all([
    startApp(databaseUrl, { SERVER_PUBLIC_CORS_ALLOW_ORIGINS: `${ALLOWED},${ALSO_ALLOWED}` }),
    startApp(databaseUrl, { SERVER_PUBLIC_CORS_ALLOW_ORIGINS: "*", SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED: "true" }),
  ]);
});
afterAll(() => Promise.all([app?.stop(), anyOriginApp?.stop()]));

let address = 0;
const signUpBody = () => JSON.stringify({ email: `cors-${(address += 1)}@example.com` });

/** Every `Access-Control-*` header of an answer. */
function corsHeadersOf(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-")));
}

const varyOf = (response: Response) => (response.headers.get("vary") ?? "").split(/,\s*/).map((name) => name.toLowerCase());

const EXPOSED = "X-Request-Id,X-Session-Lifetime,X-Auth-Token,Retry-After,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset";

function preflight(url: string, origin: string, method = "POST", headers = "content-type,idempotency-key,x-language") {
  return fetch(url, {
    method: "OPTIONS",
    headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers },
  });
}

const publicRoutes = ["/users", "/api/trpc/users.create", "/me", "/logout", "/.well-known/jwks.json", "/health/alive", "/health/ready"];

describe("a request from an allowed origin", () => {
  it.each([
    ["POST /users", "/users", []],
    ["the tRPC mutation", "/api/trpc/users.create", ["trpc-accept", "accept"]],
  ])("to %s is answered with its origin, credentials allowed and the exposed headers", async (_door, path, doorVary) => {
    const response = await fetch(`${app.url}${path}`, {
      method: "POST",
      headers: { Origin: ALSO_ALLOWED, "Content-Type": "application/json" },
      body: signUpBody(),
    });

    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({
      "access-control-allow-origin": ALSO_ALLOWED,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": EXPOSED,
    });
    expect(varyOf(response)).toEqual(["origin", ...doorVary]);
  });

  it.each(publicRoutes)("gets its preflight to %s answered 204, with the methods, its headers and max-age 7200", async (path) => {
    const response = await preflight(`${app.url}${path}`, ALLOWED);

    expect(response.status).toBe(204);
    expect(corsHeadersOf(response)).toEqual({
      "access-control-allow-origin": ALLOWED,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET,HEAD,POST",
      "access-control-allow-headers": "content-type,idempotency-key,x-language",
      "access-control-max-age": "7200",
      "access-control-expose-headers": EXPOSED,
    });
    expect(varyOf(response)).toEqual(expect.arrayContaining(["origin", "access-control-request-headers"]));
    expect(await response.text()).toBe("");
  });

  it("keeps its CORS headers on an error, so that the page can read it", async () => {
    const response = await fetch(`${app.url}/users`, {
      method: "POST",
      headers: { Origin: ALLOWED, "Content-Type": "text/plain" },
      body: "{}",
    });

    expect(response.status).toBe(415);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });
});

describe("a request from an origin that is not allowed", () => {
  it("is still served, with no CORS headers but Vary: Origin", async () => {
    const response = await fetch(`${app.url}/users`, {
      method: "POST",
      headers: { Origin: NOT_ALLOWED, "Content-Type": "application/json" },
      body: signUpBody(),
    });

    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({});
    expect(varyOf(response)).toContain("origin");
  });

  it.each(publicRoutes)("gets its preflight to %s answered 204 without a CORS header", async (path) => {
    const response = await preflight(`${app.url}${path}`, NOT_ALLOWED);

    expect(response.status).toBe(204);
    expect(corsHeadersOf(response)).toEqual({});
    expect(varyOf(response)).toContain("origin");
  });

  it("is not told apart by a suffix or a prefix of an allowed origin", async () => {
    for (const origin of [`${ALLOWED}.evil.net`, "https://example.com", "http://app.example.com"]) {
      expect(corsHeadersOf(await preflight(`${app.url}/users`, origin))).toEqual({});
    }
  });
});

describe("requests that are not cross-origin calls", () => {
  it("answer an OPTIONS /users that is no preflight with 405, as any other method", async () => {
    const response = await fetch(`${app.url}/users`, { method: "OPTIONS", headers: { Origin: ALLOWED } });

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toEqual({ code: 405, message: "Method Not Allowed" });
  });

  it("say Vary: Origin on a public route even without an Origin, and nothing else of CORS", async () => {
    const response = await fetch(`${app.url}/users`, { method: "POST", headers: { "Content-Type": "application/json" }, body: signUpBody() });

    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({});
    expect(varyOf(response)).toContain("origin");
  });

  it("give the pages no CORS headers, whatever the origin", async () => {
    const response = await fetch(`${app.url}/openapi.json`, { headers: { Origin: ALLOWED } });

    expect(response.status).toBe(200);
    expect(corsHeadersOf(response)).toEqual({});
  });
});

describe("SERVER_PUBLIC_CORS_ALLOW_ORIGINS=* with SERVER_PUBLIC_CORS_UNSAFE_WILDCARD_ORIGIN_ALLOWED=true", () => {
  it("allows every origin, reflected with credentials", async () => {
    const response = await preflight(`${anyOriginApp.url}/users`, NOT_ALLOWED);

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(NOT_ALLOWED);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
  });
});

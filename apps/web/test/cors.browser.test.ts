import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "./support/app.ts";
import { launchChromium } from "./support/browser.ts";

/**
 * Another site's page: one server on a second port, reached as two origins, `http://localhost:<port>`
 * (allowed) and `http://127.0.0.1:<port>` (not), both other than the app's `http://127.0.0.1:<app port>`.
 */
let site: Server;
let allowedOrigin: string;
let otherOrigin: string;
let app: RunningApp;
let db: Database;
let browser: Browser;

beforeAll(async () => {
  site = createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>another site</title>");
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const { port } = site.address() as AddressInfo;
  allowedOrigin = `http://localhost:${port}`;
  otherOrigin = `http://127.0.0.1:${port}`;
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl, { poolSize: 1 });
  [app, browser] = await Promise.all([
    startApp(databaseUrl, { SERVER_PUBLIC_CORS_ALLOW_ORIGINS: allowedOrigin }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await db?.$disconnect();
  site?.close();
});

/**
 * Opens the site's page at `origin` and signs `email` up from it with `fetch`, credentials included
 * and as JSON (so the browser sends a preflight first), the way a sign-up form on another site
 * would. Resolves with what the page could read, or the error the browser gave it.
 */
async function signUpFrom(origin: string, email: string) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ url, email }) => {
        try {
          const response = await fetch(`${url}/users`, {
            method: "POST",
            credentials: "include",
            headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
            body: JSON.stringify({ email }),
          });
          return { status: response.status, body: await response.json(), requestId: response.headers.get("x-request-id") };
        } catch (error) {
          return { error: String(error) };
        }
      },
      { url: app.url, email },
    );
  } finally {
    await page.close();
  }
}

describe("a page on another site", () => {
  it("signs up through fetch with credentials when its origin is allowed, and reads the answer and X-Request-Id", async () => {
    const result = await signUpFrom(allowedOrigin, "from-allowed-site@example.com");

    expect(result).toEqual({
      status: 200,
      body: { id: expect.any(String), user_id: expect.any(String), email_id: expect.any(String) },
      requestId: expect.any(String),
    });
    expect(await db.email.count({ where: { address: "from-allowed-site@example.com" } })).toBe(1);
  });

  it("is blocked by the browser when its origin is not allowed: the preflight fails and nothing is signed up", async () => {
    const result = await signUpFrom(otherOrigin, "from-other-site@example.com");

    expect(result).toEqual({ error: "TypeError: Failed to fetch" });
    expect(await db.email.count({ where: { address: "from-other-site@example.com" } })).toBe(0);
  });
});

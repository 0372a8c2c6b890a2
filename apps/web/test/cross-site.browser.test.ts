import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext } from "playwright-core";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "./support/app.ts";
import { launchChromium } from "./support/browser.ts";

/**
 * A page of another site cannot sign a visitor out. With SESSION_COOKIE_SAME_SITE=none the browser
 * sends the session cookie with a cross-site form POST, which needs no preflight; the app refuses
 * such a request by its Origin on every route that changes a session by its cookie. The app is
 * `http://127.0.0.1:<port>`, the other site `http://localhost:<port>`: another site to the browser.
 */
let site: Server;
let siteOrigin: string;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  site = createServer((request, response) => {
    const target = new URL(request.url!, "http://site").searchParams.get("post")!;
    // A form that posts itself, nothing in it: what a forged sign-out is.
    response
      .writeHead(200, { "Content-Type": "text/html" })
      .end(`<!doctype html><title>another site</title><form method="post" action="${target}"></form><script>document.forms[0].submit()</script>`);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  [app, browser] = await Promise.all([
    startApp(await createEmptyDatabase(inject("postgresUrl")), {
      SESSION_COOKIE_SAME_SITE: "none",
      SERVER_PUBLIC_CORS_ALLOW_ORIGINS: "https://allowed.example",
    }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  site?.close();
});

/** A browser signed up on the app's own page, whose session cookie is set. */
async function signedInBrowser(email: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${app.url}/`);
  const status = await page.evaluate(async (email) => {
    const response = await fetch("/users", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email }) });
    return response.status;
  }, email);
  expect(status).toBe(200);
  return context;
}

/** `GET /me` from the app's own page, with the browser's cookie. */
async function meStatus(context: BrowserContext): Promise<number> {
  const page = await context.newPage();
  await page.goto(`${app.url}/`);
  return page.evaluate(async () => (await fetch("/me")).status);
}

describe("a form on another site that posts to a sign-out", () => {
  it.each(["/logout", "/api/trpc/auth.logout"])("to %s is refused with 403, and the session lives on", async (path) => {
    const context = await signedInBrowser(`cross-site-${path.replaceAll("/", "-")}@example.com`);
    try {
      expect(await meStatus(context)).toBe(200);
      const page = await context.newPage();
      const forged = page.waitForResponse((response) => response.url() === `${app.url}${path}`);
      await page.goto(`${siteOrigin}/?post=${encodeURIComponent(`${app.url}${path}`)}`);
      const answer = await forged;

      expect(answer.request().headers()).toMatchObject({ origin: siteOrigin });
      expect(answer.status()).toBe(403);
      expect(await meStatus(context)).toBe(200);
    } finally {
      await context.close();
    }
  });

  it("from the app's own page signs out as before", async () => {
    const context = await signedInBrowser("same-site-logout@example.com");
    try {
      const page = await context.newPage();
      await page.goto(`${app.url}/`);
      expect(await page.evaluate(async () => (await fetch("/logout", { method: "POST" })).status)).toBe(204);
      expect(await meStatus(context)).toBe(401);
    } finally {
      await context.close();
    }
  });
});

import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { passcodeIn, startSmtpServer, type SmtpTestServer } from "@enroll/api/testing/smtp-server";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "./support/app.ts";
import { launchChromium } from "./support/browser.ts";

/**
 * Hanko's own web component, `<hanko-auth>` of @teamhanko/hanko-elements 0.12.0 (the last release
 * for this API, as published on npm), on a page of another origin, `http://localhost:<port>`, against
 * Enroll at `http://127.0.0.1:<port>`: CORS allows the page's origin, the session token comes in
 * `X-Auth-Token` (a page of another site cannot read our cookie; the elements keep the token
 * themselves), and passcodes go to a real SMTP server on loopback.
 */
let site: Server;
let siteOrigin: string;
let smtp: SmtpTestServer;
let app: RunningApp;
let db: Database;
let browser: Browser;

const elementsScript = createRequire(import.meta.url).resolve("@teamhanko/hanko-elements");

/** The other site's page: the element, registered against the app without passkeys, counting the flows it completes. */
const page = (appUrl: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A shop that signs its customers in with Enroll</title></head>
<body>
<hanko-auth></hanko-auth>
<script type="module">
  import { register } from "/elements.js";
  window.completedFlows = [];
  const { hanko } = await register(${JSON.stringify(appUrl)}, { enablePasskeys: false });
  hanko.onAuthFlowCompleted((detail) => window.completedFlows.push(detail.userID));
</script>
</body>
</html>`;

beforeAll(async () => {
  const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  db = createDatabase(databaseUrl, { poolSize: 1 });
  smtp = await startSmtpServer();
  let html = "";
  site = createServer(async (request, response) => {
    if (request.url === "/elements.js") {
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(await readFile(elementsScript));
    } else {
      response.writeHead(200, { "Content-Type": "text/html" }).end(html);
    }
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  [app, browser] = await Promise.all([
    startApp(databaseUrl, {
      ...smtp.settings,
      EMAIL_REQUIRE_VERIFICATION: "true",
      SERVER_PUBLIC_CORS_ALLOW_ORIGINS: siteOrigin,
      SESSION_ENABLE_AUTH_TOKEN_HEADER: "true",
    }),
    launchChromium(),
  ]);
  html = page(app.url);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await smtp?.close();
  await db?.$disconnect();
  site?.close();
});

/** Opens the shop's page in a browser of its own (no session) and enters `email` in the element. */
async function enterEmail(email: string): Promise<Page> {
  const context = await browser.newContext();
  const shop = await context.newPage();
  await shop.goto(`${siteOrigin}/`);
  await shop.locator("hanko-auth input[type=email]").fill(email);
  await shop.locator("hanko-auth").getByRole("button", { name: "Continue" }).click();
  return shop;
}

/** Types the `nth` passcode sent to `email` into the element's six digit fields, as a person would. */
async function enterPasscode(shop: Page, email: string, nth: number): Promise<void> {
  const code = passcodeIn(await smtp.waitForMail(email, nth));
  const firstDigit = shop.locator("hanko-auth input[name=passcode0]");
  await firstDigit.waitFor();
  await firstDigit.focus();
  await shop.keyboard.type(code, { delay: 30 });
}

/** The session token the element keeps for the page (from `X-Auth-Token`), accepted, or not, by `GET /me`. */
async function meWithTokenOf(shop: Page) {
  const token = (await shop.context().cookies(siteOrigin)).find(({ name }) => name === "hanko")?.value;
  const response = await fetch(`${app.url}/me`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

describe("<hanko-auth> of @teamhanko/hanko-elements 0.12.0, from another origin", () => {
  it("signs a new address up with a passcode from its email, completes the flow, and the session works; then signs it in again", async () => {
    const email = "element-customer@example.com";

    const signUp = await enterEmail(email);
    await signUp.locator("hanko-auth").getByRole("button", { name: "Sign up" }).click();
    await enterPasscode(signUp, email, 1);

    await expect.poll(() => signUp.evaluate(() => (window as unknown as { completedFlows: string[] }).completedFlows), { timeout: 20_000 }).toHaveLength(1);
    const stored = await db.email.findUniqueOrThrow({ where: { address: email } });
    expect(stored).toMatchObject({ verified: true, userId: expect.any(String) });
    expect(await signUp.evaluate(() => (window as unknown as { completedFlows: string[] }).completedFlows)).toEqual([stored.userId]);
    expect(await meWithTokenOf(signUp)).toEqual({ status: 200, body: { id: stored.userId } });
    await signUp.context().close();

    const signIn = await enterEmail(email);
    await enterPasscode(signIn, email, 2);

    await expect.poll(() => signIn.evaluate(() => (window as unknown as { completedFlows: string[] }).completedFlows), { timeout: 20_000 }).toEqual([
      stored.userId,
    ]);
    expect(await meWithTokenOf(signIn)).toEqual({ status: 200, body: { id: stored.userId } });
    expect(await db.session.count({ where: { userId: stored.userId! } })).toBe(2);
    expect(await db.user.count({ where: { emails: { some: { address: email } } } })).toBe(1);
  });
});

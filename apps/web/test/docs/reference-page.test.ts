import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { launchChromium } from "../support/browser.ts";

let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([
    createEmptyDatabase(inject("postgresUrl")).then((url) => startApp(url)),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("GET /docs", () => {
  it("renders the interactive reference of /openapi.json from the app alone", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));

    await page.goto(`${app.url}/docs`);

    await expect.poll(() => page.getByText("Create a user").first().isVisible(), { timeout: 30_000 }).toBe(true);
    expect(requested).toContain(`${app.url}/openapi.json`);
    const elsewhere = requested.filter((url) => !url.startsWith(`${app.url}/`) && !url.startsWith("data:"));
    expect(elsewhere).toEqual([]);
  });

  it("is an English page with the app's icon", async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/docs`);

    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    const served = await fetch(new URL(icon!, app.url));
    expect(served.headers.get("content-type")).toBe("image/svg+xml");
    expect(await served.text()).toBe(await fetch(`${app.url}/icon.svg`).then((response) => response.text()));
  });

  it.each(["dark", "light"] as const)("takes the app's colours in %s mode", async (colorScheme) => {
    const page = await browser.newPage({ colorScheme });
    await page.goto(app.url);
    const appColours = await page.locator(".card").evaluate((card) => {
      const style = getComputedStyle(card);
      return { background: style.backgroundColor, text: style.color };
    });

    await page.goto(`${app.url}/docs`);
    await page.getByText("Create a user").first().waitFor({ timeout: 30_000 });

    const docsColours = await page.locator("body").evaluate((body) => ({
      background: getComputedStyle(body).backgroundColor,
      text: getComputedStyle(document.querySelector(".scalar-app")!).color,
    }));
    expect(docsColours).toEqual(appColours);
    expect(await page.locator("body").getAttribute("class")).toContain(`${colorScheme}-mode`);
  });
});

import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";

let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([
    createEmptyDatabase(inject("postgresUrl")).then((url) => startApp(url)),
    chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
    }),
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
});

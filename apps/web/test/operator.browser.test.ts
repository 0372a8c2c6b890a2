import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "./support/app.ts";
import { launchChromium } from "./support/browser.ts";
import { postUser } from "./support/rest.ts";

const KEY = "the-operators-key-1234";

let browser: Browser;
let open: RunningApp;
let keyed: RunningApp;
let db: Database;

/** Whatever has started so far, to be stopped even if something else failed to start. */
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const [databaseUrl, keyedDatabaseUrl] = await Promise.all([createEmptyDatabase(inject("postgresUrl")), createEmptyDatabase(inject("postgresUrl"))]);
  db = createDatabase(databaseUrl, { poolSize: 1 });
  stops.push(() => db.$disconnect());
  await Promise.all([
    launchChromium().then((launched) => {
      stops.push(() => launched.close());
      browser = launched;
    }),
    startApp(databaseUrl).then((started) => {
      stops.push(started.stop);
      open = started;
    }),
    startApp(keyedDatabaseUrl, { ADMIN_API_KEY: KEY }).then((started) => {
      stops.push(started.stop);
      keyed = started;
    }),
  ]);
});

afterAll(() => Promise.all(stops.map((stop) => stop())));

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  stops.push(() => context.close());
  return page;
}

const rows = (page: Page) => page.locator("table.users tbody tr");

describe("the operator page, on the admin listener", () => {
  it("is where the admin listener's front door leads, and lists the users newest first, in the sign-up page's look", async () => {
    for (const address of ["older@example.com", "middle@example.org", "newest@example.com"]) expect((await postUser(open.url, { email: address })).status).toBe(200);
    const page = await newPage();

    await page.goto(open.adminUrl);

    await expect.poll(() => page.url()).toBe(`${open.adminUrl}/operator`);
    await page.getByRole("heading", { name: "Users" }).waitFor();
    await expect.poll(() => rows(page).locator(".address").allTextContents()).toEqual(["newest@example.com", "middle@example.org", "older@example.com"]);
    expect(await page.getByText("3 users, newest first.").isVisible()).toBe(true);
    // The sign-up page's palette and card.
    const card = await page.locator(".card").evaluate((element) => getComputedStyle(element).borderRadius);
    expect(card).toBe("12px");
    expect(await page.locator(".brand").textContent()).toBe("Enroll");
  });

  it("finds users by any part of their address", async () => {
    const page = await newPage();
    await page.goto(`${open.adminUrl}/operator`);

    await page.getByLabel("Search by address").fill("example.org");

    await expect.poll(() => rows(page).locator(".address").allTextContents()).toEqual(["middle@example.org"]);
    expect(await page.getByText("1 user with “example.org”, newest first.").isVisible()).toBe(true);
  });

  it("deletes a user only once the deletion is confirmed", async () => {
    await postUser(open.url, { email: "doomed@example.com" });
    const page = await newPage();
    await page.goto(`${open.adminUrl}/operator`);
    await page.getByLabel("Search by address").fill("doomed@");
    await expect.poll(() => rows(page).count()).toBe(1);

    await page.getByRole("button", { name: "Delete doomed@example.com" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete doomed@example.com?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.isVisible()).toBe(false);
    expect(await db.email.count({ where: { address: "doomed@example.com" } })).toBe(1);

    await page.getByRole("button", { name: "Delete doomed@example.com" }).click();
    await dialog.getByRole("button", { name: "Delete user" }).click();

    await page.getByRole("status").getByText("Deleted doomed@example.com.").waitFor();
    await expect.poll(() => rows(page).count()).toBe(0);
    expect(await db.email.count({ where: { address: "doomed@example.com" } })).toBe(0);
  });

  it("charts the sign-ups of the last 30 days, today's last", async () => {
    const page = await newPage();
    await page.goto(`${open.adminUrl}/operator`);

    const bars = page.locator(".chart rect");
    await expect.poll(() => bars.count()).toBe(30);
    const today = new Date().toISOString().slice(0, 10);
    expect(await bars.last().getAttribute("data-day")).toBe(today);
    expect(Number(await bars.last().getAttribute("data-count"))).toBe(await db.user.count());
    expect(await page.locator(".chart figcaption").textContent()).toMatch(/^Sign-ups per day, last 30 days: \d+$/);
  });

  it("asks for the admin key when one is set, and keeps it for the tab", async () => {
    await postUser(keyed.url, { email: "behind-a-key@example.com" });
    const page = await newPage();
    await page.goto(`${keyed.adminUrl}/operator`);

    await page.getByLabel("Admin key").fill("not-the-key-at-all");
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByText("That key was refused.").waitFor();
    await page.getByLabel("Admin key").fill(KEY);
    await page.getByRole("button", { name: "Open" }).click();

    await expect.poll(() => rows(page).locator(".address").allTextContents()).toEqual(["behind-a-key@example.com"]);
    await page.reload();
    await expect.poll(() => rows(page).count()).toBe(1);
  });

  it("is not on the public listener", async () => {
    const page = await newPage();

    const answer = await page.goto(`${open.url}/operator`);

    expect(answer?.status()).toBe(404);
    expect(await page.locator("table.users").count()).toBe(0);
  });

  it("has the admin API's reference at /docs, rendered from the admin listener's document, its key not needed to read it", async () => {
    const page = await newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));

    await page.goto(`${keyed.adminUrl}/docs`);

    await expect.poll(() => page.getByText("Get a list of users").first().isVisible(), { timeout: 30_000 }).toBe(true);
    expect(requested).toContain(`${keyed.adminUrl}/openapi.json`);
  });
});

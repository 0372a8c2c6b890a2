import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "./support/app.ts";
import { pagePerTest } from "./support/browser.ts";

let app: RunningApp;
let closedApp: RunningApp;
let db: Database;
const browsing = pagePerTest();
let page: Page;
beforeEach(() => {
  page = browsing.page;
});

/** Whatever has started so far, to be stopped even if something else failed to start. */
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const serverUrl = inject("postgresUrl");
  const [databaseUrl, closedDatabaseUrl] = await Promise.all([
    createEmptyDatabase(serverUrl),
    createEmptyDatabase(serverUrl),
  ]);
  db = createDatabase(databaseUrl, { poolSize: 1 });
  stops.push(() => db.$disconnect());
  await Promise.all([
    // One denied domain, for the address policy's sentence: no other test signs up there.
    startApp(databaseUrl, { EMAIL_DOMAIN_DENYLIST: "refused.example" }).then((started) => {
      stops.push(started.stop);
      app = started;
    }),
    startApp(closedDatabaseUrl, { ACCOUNT_ALLOW_SIGNUP: "false" }).then((started) => {
      stops.push(started.stop);
      closedApp = started;
    }),
  ]);
});

afterAll(() => Promise.all(stops.map((stop) => stop())));

const emailField = () => page.getByLabel("Email address");
const submitButton = () => page.locator("form").getByRole("button");

async function signUp(address: string) {
  await emailField().fill(address);
  await submitButton().click();
}

/** The sentence tied to the field for screen readers: the element its aria-describedby names. */
async function problemText(): Promise<string> {
  const id = await emailField().getAttribute("aria-describedby");
  const problem = page.locator(`[id="${id}"]`);
  expect(await problem.getAttribute("role")).toBe("alert");
  return (await problem.textContent()) ?? "";
}

const isFocused = (locator: Locator) => locator.evaluate((element) => element === document.activeElement);

/** The id shown next to `label` in the welcome card's details. */
const shownId = (label: string) => page.locator(`dt:text-is("${label}") + dd code`).textContent();

const card = () => page.locator(".card");

describe("the sign-up page", () => {
  it("signs up and greets the person by address, with the stored ids behind Details", async () => {
    await page.goto(app.url);
    await signUp("Ada.Lovelace@example.com");

    const welcome = page.getByRole("heading", { name: "Welcome aboard" });
    await welcome.waitFor();
    expect(await isFocused(welcome)).toBe(true);
    expect(await card().locator(".lead").textContent()).toMatch(/^The account for ada\.lovelace@example\.com is ready\./);
    const details = card().locator("details");
    expect(await details.getAttribute("open")).toBeNull();
    expect(await page.locator("dl").isVisible()).toBe(false);

    await details.getByText("Details").click();

    const stored = await db.email.findUniqueOrThrow({
      where: { address: "ada.lovelace@example.com" },
      include: { primaryEmail: true },
    });
    expect(await page.locator("dl").isVisible()).toBe(true);
    expect({ userId: await shownId("User ID"), emailId: await shownId("Email ID") }).toEqual({
      userId: stored.userId,
      emailId: stored.id,
    });
    expect(stored.primaryEmail?.userId).toBe(stored.userId);
  });

  it("copies each id with its button", async () => {
    await page.goto(app.url);
    await signUp("ada.byron@example.com");
    await page.getByText("Details").click();
    const stored = await db.email.findUniqueOrThrow({ where: { address: "ada.byron@example.com" } });

    for (const [label, id] of [
      ["User ID", stored.userId],
      ["Email ID", stored.id],
    ] as const) {
      await page.getByRole("button", { name: `Copy ${label}`, exact: true }).click();

      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(id);
      expect(await page.getByRole("button", { name: `Copied ${label}`, exact: true }).isVisible()).toBe(true);
    }
  });

  it("offers to sign out and sign up another address, and comes back with the field focused and empty", async () => {
    await page.goto(app.url);
    await signUp("first.of.two@example.com");
    await page.getByRole("heading", { name: "Welcome aboard" }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();

    await emailField().waitFor();
    expect(await isFocused(emailField())).toBe(true);
    expect(await emailField().inputValue()).toBe("");
    await signUp("second.of.two@example.com");
    await page.getByRole("heading", { name: "Welcome aboard" }).waitFor();
  });

  it("recognises an address that is already registered, in any letter case, and sends it a code to sign in with instead", async () => {
    const first = await fetch(`${app.url}/users`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "grace.hopper@example.com" }),
    });
    expect(first.status).toBe(200);
    const users = await db.user.count();

    await page.goto(app.url);
    await signUp("GRACE.HOPPER@EXAMPLE.COM");

    const heading = page.getByRole("heading", { name: "Check your email" });
    await heading.waitFor();
    expect(await card().locator(".lead").textContent()).toBe("Enter the code we sent to grace.hopper@example.com.");
    expect(await isFocused(page.getByLabel("Code", { exact: true }))).toBe(true);
    expect(await db.user.count()).toBe(users);
    const stored = await db.email.findUniqueOrThrow({ where: { address: "grace.hopper@example.com" } });
    expect(await db.passcode.count({ where: { userId: stored.userId! } })).toBe(1);
  });

  it("says an address's domain is not allowed, in the server's sentence, and puts focus back on the field", async () => {
    await page.goto(app.url);
    await signUp("someone@mail.refused.example");

    await expect.poll(problemText).toBe("Email domain is not allowed.");
    expect(await isFocused(emailField())).toBe(true);
    expect(await emailField().getAttribute("aria-invalid")).toBe("true");
    expect(await db.email.count({ where: { address: "someone@mail.refused.example" } })).toBe(0);
  });

  it("checks the address in the browser, with the server's own sentences, before sending anything", async () => {
    await page.goto(app.url);
    const sent: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/trpc/users.create") sent.push(request.postData() ?? "");
    });

    await signUp("user@localhost");
    await expect.poll(problemText).toBe("Email must be a valid email address.");
    expect(await isFocused(emailField())).toBe(true);
    expect(await emailField().getAttribute("aria-invalid")).toBe("true");

    await signUp("");
    await expect.poll(problemText).toBe("Email is a required field.");

    // Requests leave in order: if the refused attempts had sent anything, it would come before this one.
    await signUp("alan.turing@example.com");
    await page.getByRole("heading", { name: "Welcome aboard" }).waitFor();
    expect(sent).toEqual([JSON.stringify({ email: "alan.turing@example.com" })]);
  });

  it("says sign-up is closed from the start when the service does not allow it, with no form to fill", async () => {
    const sent: string[] = [];
    page.on("request", (request) => sent.push(new URL(request.url()).pathname));

    await page.goto(closedApp.url);

    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign-up is closed");
    expect(await page.locator("form").count()).toBe(0);
    expect(sent.filter((path) => path.startsWith("/api/trpc/"))).toEqual([]);
  });

  it("says sign-up is closed when the server refuses a sign-up from a page shown while it was open", async () => {
    await page.route("**/api/trpc/**", (route) =>
      route.fetch({ url: route.request().url().replace(app.url, closedApp.url) }).then((response) => route.fulfill({ response })),
    );
    await page.goto(app.url);
    await signUp("someone@example.com");

    await expect.poll(problemText).toBe("Sign-up is closed at the moment.");
    expect(await isFocused(emailField())).toBe(true);
    // The address is fine; the field is not marked as the cause.
    expect(await emailField().getAttribute("aria-invalid")).toBeNull();
  });

  it("says something went wrong when the request fails", async () => {
    await page.route("**/api/trpc/**", (route) => route.abort("connectionfailed"));
    await page.goto(app.url);
    await signUp("katherine.johnson@example.com");

    await expect.poll(problemText).toBe("Something went wrong. Please try again in a moment.");
    expect(await isFocused(emailField())).toBe(true);
    expect(await submitButton().isEnabled()).toBe(true);
  });

  it("shows and announces the pending state while the request is in flight", async () => {
    let releaseResponse = () => {};
    const responseReleased = new Promise<void>((resolve) => (releaseResponse = resolve));
    let requestArrived = () => {};
    const requestHeld = new Promise<void>((resolve) => (requestArrived = resolve));
    // The sign-up itself, after the address was looked up and found new.
    await page.route("**/api/trpc/users.create", async (route) => {
      requestArrived();
      await responseReleased;
      await route.continue();
    });
    await page.goto(app.url);
    await signUp("margaret.hamilton@example.com");
    await requestHeld;

    const status = page.getByRole("status");
    await expect.poll(() => submitButton().textContent()).toBe("Creating your account…");
    expect(await submitButton().locator(".spinner").isVisible()).toBe(true);
    expect(await submitButton().isDisabled()).toBe(true);
    expect(await emailField().isEditable()).toBe(false);
    expect(await page.locator("form").getAttribute("aria-busy")).toBe("true");
    expect(await status.textContent()).toBe("Creating your account…");

    releaseResponse();
    await page.getByRole("heading", { name: "Welcome aboard" }).waitFor();
    expect(await status.textContent()).toBe("Your account is ready.");
  });
});

describe("the session a sign-up starts", () => {
  it("keeps the browser signed in across a reload, and signing out brings the form back for good", async () => {
    await page.goto(app.url);
    await signUp("Barbara.Liskov@example.com");
    await page.getByRole("heading", { name: "Welcome aboard" }).waitFor();
    const signedIn = card().locator(".signed-in");
    await expect.poll(() => signedIn.textContent()).toBe("Signed in as barbara.liskov@example.com");

    await page.reload();

    await page.getByRole("heading", { name: "You are signed in" }).waitFor();
    expect(await signedIn.textContent()).toBe("Signed in as barbara.liskov@example.com");
    expect(await page.locator("form").count()).toBe(0);
    const stored = await db.email.findUniqueOrThrow({ where: { address: "barbara.liskov@example.com" } });
    expect(await db.session.count({ where: { userId: stored.userId! } })).toBe(1);

    await page.getByRole("button", { name: "Sign out" }).click();

    await emailField().waitFor();
    expect(await db.session.count({ where: { userId: stored.userId! } })).toBe(0);
    await page.reload();
    await emailField().waitFor();
    // The page asked the server (auth.me) and was refused: the form stays, with no greeting.
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign up or sign in");
    expect(await signedIn.count()).toBe(0);
  });
});

describe("the page's layout", () => {
  it("keeps the card at the top on a phone and in the middle of a wide screen", async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    await page.goto(app.url);
    const onPhone = (await card().boundingBox())!;

    await page.setViewportSize({ width: 1280, height: 800 });
    const onDesktop = (await card().boundingBox())!;

    expect(onPhone.y).toBeLessThanOrEqual(24);
    expect(onDesktop.y).toBeGreaterThan(100);
  });

  it("links to the API reference", async () => {
    await page.goto(app.url);

    expect(await page.getByRole("link", { name: "API reference" }).getAttribute("href")).toBe("/docs");
  });

  it("answers an unknown path with a 404 page in the app's style that leads back to sign-up", async () => {
    const response = await page.goto(`${app.url}/no-such-page`);

    expect(response?.status()).toBe(404);
    expect(await page.title()).toBe("Page not found · Enroll");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
    expect(await card().locator(".brand").textContent()).toBe("Enroll");
    expect(await page.getByRole("link", { name: "Create an account" }).getAttribute("href")).toBe("/");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
  });
});

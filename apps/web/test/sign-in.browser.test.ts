import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Locator } from "playwright-core";
import { passcodeIn, startSmtpServer, type SmtpTestServer } from "@enroll/api/testing/smtp-server";
import { createDatabase, type Database } from "@enroll/db";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "./support/app.ts";
import { pagePerTest } from "./support/browser.ts";

/**
 * The page with verification required (the default): `app` sends its codes to a real SMTP server on
 * loopback, with two passcodes a minute per user so that a resend can be refused; `mailboxApp` has
 * no mail server and keeps them in its mailbox.
 */
let app: RunningApp;
let mailboxApp: RunningApp;
let smtp: SmtpTestServer;
let db: Database;
const browsing = pagePerTest();

const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const serverUrl = inject("postgresUrl");
  const [databaseUrl, mailboxDatabaseUrl] = await Promise.all([createEmptyDatabase(serverUrl), createEmptyDatabase(serverUrl)]);
  db = createDatabase(databaseUrl, { poolSize: 1 });
  stops.push(() => db.$disconnect());
  smtp = await startSmtpServer();
  stops.push(() => smtp.close());
  await Promise.all([
    startApp(databaseUrl, {
      ...smtp.settings,
      EMAIL_REQUIRE_VERIFICATION: "true",
      RATE_LIMITER_ENABLED: "true",
      RATE_LIMITER_SIGNUP_LIMIT: "1000",
      RATE_LIMITER_PASSCODE_LIMITS_TOKENS: "2",
    }).then((started) => {
      stops.push(started.stop);
      app = started;
    }),
    startApp(mailboxDatabaseUrl, { EMAIL_REQUIRE_VERIFICATION: "true", EMAIL_MAILBOX_ENABLED: "true" }).then((started) => {
      stops.push(started.stop);
      mailboxApp = started;
    }),
  ]);
});

afterAll(() => Promise.all(stops.map((stop) => stop())));

const emailField = () => browsing.page.getByLabel("Email address");
const codeField = () => browsing.page.getByLabel("Code", { exact: true });
const card = () => browsing.page.locator(".card");
const isFocused = (locator: Locator) => locator.evaluate((element) => element === document.activeElement);

async function enterAddress(address: string, url = app.url) {
  await browsing.page.goto(url);
  await emailField().fill(address);
  await browsing.page.getByRole("button", { name: "Continue" }).click();
  await browsing.page.getByRole("heading", { name: "Check your email" }).waitFor();
}

async function enterCode(code: string) {
  await codeField().fill(code);
  await browsing.page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** The sentence tied to the code field for screen readers: the element its aria-describedby names. */
async function codeProblem(): Promise<string> {
  const problem = browsing.page.locator(`[id="${await codeField().getAttribute("aria-describedby")}"]`);
  expect(await problem.getAttribute("role")).toBe("alert");
  return (await problem.textContent()) ?? "";
}

const wrong = (code: string) => `${code.slice(0, 5)}${(Number(code[5]) + 1) % 10}`;

describe("signing up with a code", () => {
  it("creates the account, says where the code went, takes it in one field and signs in", async () => {
    await enterAddress("Hedy.Lamarr@example.com");

    expect(await card().locator(".lead").textContent()).toBe("Your account is created. To finish, enter the code we sent to hedy.lamarr@example.com.");
    expect(await codeField().getAttribute("autocomplete")).toBe("one-time-code");
    expect(await codeField().getAttribute("inputmode")).toBe("numeric");
    expect(await isFocused(codeField())).toBe(true);
    expect(await browsing.page.getByRole("status").textContent()).toBe("We sent a code to hedy.lamarr@example.com.");
    await enterCode(passcodeIn(await smtp.waitForMail("hedy.lamarr@example.com")));

    const welcome = browsing.page.getByRole("heading", { name: "Welcome aboard" });
    await welcome.waitFor();
    expect(await isFocused(welcome)).toBe(true);
    await expect.poll(() => card().locator(".signed-in").textContent()).toBe("Signed in as hedy.lamarr@example.com");
    const stored = await db.email.findUniqueOrThrow({ where: { address: "hedy.lamarr@example.com" } });
    expect(stored).toMatchObject({ verified: true, userId: expect.any(String) });
    await browsing.page.getByText("Details").click();
    expect(await browsing.page.locator('dt:text-is("User ID") + dd code').textContent()).toBe(stored.userId);
  });
});

describe("signing in with a code", () => {
  it("sends a known address a code, and a pasted code with spaces signs in; the session outlives a reload", async () => {
    await enterAddress("Radia.Perlman@example.com");
    await enterCode(passcodeIn(await smtp.waitForMail("radia.perlman@example.com", 1)));
    await browsing.page.getByRole("button", { name: "Sign out" }).click();
    await emailField().waitFor();

    await enterAddress("radia.perlman@example.com");
    expect(await card().locator(".lead").textContent()).toBe("Enter the code we sent to radia.perlman@example.com.");
    const code = passcodeIn(await smtp.waitForMail("radia.perlman@example.com", 2));
    await browsing.page.evaluate((text) => navigator.clipboard.writeText(text), `${code.slice(0, 3)} ${code.slice(3)}`);
    await codeField().focus();
    await browsing.page.keyboard.press("ControlOrMeta+V");
    await expect.poll(() => codeField().inputValue()).toBe(`${code.slice(0, 3)} ${code.slice(3)}`);
    await browsing.page.getByRole("button", { name: "Sign in", exact: true }).click();

    await browsing.page.getByRole("heading", { name: "Welcome back" }).waitFor();
    await browsing.page.reload();
    await browsing.page.getByRole("heading", { name: "You are signed in" }).waitFor();
    expect(await card().locator(".signed-in").textContent()).toBe("Signed in as radia.perlman@example.com");
  });

  it("says plainly when a code is wrong, and when the third wrong one has used it up, then leads to a new code", async () => {
    await enterAddress("margaret.heafield@example.com");
    const code = passcodeIn(await smtp.waitForMail("margaret.heafield@example.com"));

    await enterCode(wrong(code));
    await expect.poll(codeProblem).toBe("That code is not right. Check the email and try again.");
    expect(await codeField().getAttribute("aria-invalid")).toBe("true");
    expect(await isFocused(codeField())).toBe(true);
    expect(await codeField().inputValue()).toBe("");
    await enterCode(wrong(code));
    await enterCode(wrong(code));

    await expect.poll(codeProblem).toBe("That was the third wrong code, so this one no longer works. Send yourself a new one.");
    const resend = browsing.page.getByRole("button", { name: "Send a new code" });
    expect(await isFocused(resend)).toBe(true);
    await resend.click();
    await expect.poll(() => browsing.page.getByRole("status").textContent()).toBe("We sent a new code to margaret.heafield@example.com.");
    await enterCode(passcodeIn(await smtp.waitForMail("margaret.heafield@example.com", 2)));
    await browsing.page.getByRole("heading", { name: "Welcome aboard" }).waitFor();
  });

  it("says when a code has expired", async () => {
    await enterAddress("sister.mary@example.com");
    const code = passcodeIn(await smtp.waitForMail("sister.mary@example.com"));
    await db.$executeRaw`UPDATE passcodes SET created_at = created_at - interval '1 hour'`;

    await enterCode(code);

    await expect.poll(codeProblem).toBe("This code has expired. Send yourself a new one.");
    expect(await codeField().getAttribute("aria-invalid")).toBeNull();
  });

  it("counts down before another code may be sent, as long as the server says, and then sends it", async () => {
    await enterAddress("joan.clarke@example.com");
    const resend = browsing.page.locator(".actions").getByRole("button").first();
    await resend.click();
    await expect.poll(() => browsing.page.getByRole("status").textContent()).toBe("We sent a new code to joan.clarke@example.com.");

    await resend.click();

    await expect.poll(() => browsing.page.getByRole("status").textContent()).toMatch(/^You can ask for a new code in \d+ seconds\.$/);
    const waiting = Number(/in (\d+) s$/.exec((await resend.textContent())!)![1]);
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThanOrEqual(60);
    expect(await resend.isDisabled()).toBe(true);
    await expect.poll(async () => Number(/in (\d+) s$/.exec((await resend.textContent()) ?? "")?.[1] ?? 0), { timeout: 5_000 }).toBeLessThan(waiting);
    expect(smtp.received.filter(({ to }) => to.includes("joan.clarke@example.com"))).toHaveLength(2);
  });

  it("goes back to the address with “Use another address”", async () => {
    await enterAddress("ada.yonath@example.com");

    await browsing.page.getByRole("button", { name: "Use another address" }).click();

    await emailField().waitFor();
    expect(await browsing.page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign up or sign in");
  });
});

describe("the mailbox, where no mail server is set", () => {
  it("is linked from the code step and shows the email with its code, which signs in", async () => {
    await enterAddress("barbara.mcclintock@example.com", mailboxApp.url);
    const link = card().getByRole("link", { name: "mailbox" });
    expect(await link.getAttribute("href")).toBe("/mailbox");

    const mailbox = await browsing.context.newPage();
    await mailbox.goto(`${mailboxApp.url}/mailbox`);
    const mail = mailbox.getByRole("article", { name: /is your passcode for Enroll$/ });
    await mail.waitFor();
    expect(await mail.textContent()).toContain("To barbara.mcclintock@example.com");
    const code = /^(\d{6}) is your passcode/.exec((await mail.getByRole("heading").textContent())!)![1]!;
    await mailbox.close();
    await enterCode(code);

    await browsing.page.getByRole("heading", { name: "Welcome aboard" }).waitFor();
  });

  it("is not there where emails are sent", async () => {
    const response = await browsing.page.goto(`${app.url}/mailbox`);

    expect(response?.status()).toBe(404);
    expect(await browsing.page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
  });
});

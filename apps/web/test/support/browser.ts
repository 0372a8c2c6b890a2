import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** The system's Chromium (CHROMIUM_PATH, else Debian's), headless, as every browser test drives it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
}

/**
 * For a browser test file: Chromium with one context for all its tests (its HTTP cache keeps the
 * app's scripts warm from test to test; the clipboard allowed, the app's origin 127.0.0.1 being a
 * secure context), and a new page for each test, which starts signed out: a sign-in leaves the
 * context with a session cookie. Read `page` and `context` inside the tests.
 */
export function pagePerTest(): { readonly page: Page; readonly context: BrowserContext } {
  const state = {} as { browser: Browser; context: BrowserContext; page: Page };
  beforeAll(async () => {
    state.browser = await launchChromium();
    state.context = await state.browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  });
  afterAll(() => state.browser?.close());
  beforeEach(async () => {
    await state.context.clearCookies();
    state.page = await state.context.newPage();
  });
  afterEach(() => state.page?.close());
  return {
    get page() {
      return state.page;
    },
    get context() {
      return state.context;
    },
  };
}

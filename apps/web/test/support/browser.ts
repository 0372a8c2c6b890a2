import { chromium, type Browser } from "playwright-core";

/** The system's Chromium (CHROMIUM_PATH, else Debian's), headless, as every browser test drives it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
  });
}

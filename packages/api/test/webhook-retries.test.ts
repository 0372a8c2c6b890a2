import { describe, expect, it } from "vitest";
import { WEBHOOK_DEFAULT_MAX_ATTEMPTS } from "../src/config/index.ts";
import { retryDelayMs } from "../src/delivery-loop.ts";

describe("the delay before a webhook's next attempt", () => {
  it("is a second after the first failure, doubles after each, and stops growing at an hour", () => {
    expect([1, 2, 3, 4, 12, 13, 30].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 2_048_000, 3_600_000, 3_600_000]);
  });

  it("adds up, over the default attempts, to more than a day", () => {
    const waits = Array.from({ length: WEBHOOK_DEFAULT_MAX_ATTEMPTS - 1 }, (_, index) => retryDelayMs(index + 1));
    const hours = waits.reduce((sum, wait) => sum + wait, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(24);
    expect(hours).toBeLessThan(30);
  });
});

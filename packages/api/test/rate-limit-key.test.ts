import { describe, expect, it } from "vitest";
import { rateLimitKeyOf } from "../src/limits/rate-limit.ts";

describe("rateLimitKeyOf", () => {
  it("keys an IPv4 client by its address, an IPv4-mapped one by its IPv4 address, an IPv6 one by its network", () => {
    expect(rateLimitKeyOf("203.0.113.7", 64)).toBe("203.0.113.7");
    expect(rateLimitKeyOf("::ffff:203.0.113.7", 64)).toBe("203.0.113.7");
    expect(rateLimitKeyOf("::ffff:cb00:7107", 64)).toBe("203.0.113.7");
    expect(rateLimitKeyOf("2001:db8:1:2:3:4:5:6", 64)).toBe("2001:db8:1:2::/64");
  });
});

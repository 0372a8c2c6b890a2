import { Redis } from "ioredis";
import ipaddr from "ipaddr.js";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config/index.ts";
import { TooManyRequestsError, type RateLimitState } from "../errors.ts";
import { log } from "../log.ts";

/**
 * The bucket a client address counts in: an IPv4 address as it is (an IPv4-mapped IPv6 address as
 * its IPv4 address), and an IPv6 address by its first `ipv6Prefix` bits, its network: one host is
 * usually given a whole /64, and counting each of its 2^64 addresses apart would be no limit at all.
 */
export function rateLimitKeyOf(address: string, ipv6Prefix: number): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/${ipv6Prefix}`).toString()}/${ipv6Prefix}`;
}

export interface SignUpRateLimiter {
  /** Counts one sign-up of `clientAddress` (in its bucket, see rateLimitKeyOf) and says where it stands; past the limit, TooManyRequestsError. */
  consume(clientAddress: string): Promise<RateLimitState>;
  close(): Promise<void>;
}

/**
 * The sign-up limit of config.rateLimiter (none when it is disabled): rate-limiter-flexible's fixed
 * window, in this process's memory or in Redis, shared by every instance that uses the same Redis.
 * When Redis does not answer, each instance counts on in memory (the library's insurance limiter)
 * rather than refusing or letting through every sign-up.
 */
export async function openSignUpRateLimiter(settings: Config["rateLimiter"]): Promise<SignUpRateLimiter | undefined> {
  if (!settings.enabled) return undefined;
  const { limit, windowSeconds } = settings.signUp;
  const { ipv6Prefix } = settings;
  const options = { points: limit, duration: windowSeconds, keyPrefix: "enroll:sign-up" };
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract = new RateLimiterMemory(options);
  if (settings.store === "redis") {
    // No offline queue: while Redis is away, a sign-up is counted by the insurance limiter at once
    // instead of waiting for a reconnection.
    redis = new Redis(settings.redisUrl!, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on("error", (error: Error) => log.warn(`Rate limiter: Redis: ${error.message}`));
    await redis.connect().catch(() => log.warn("Rate limiter: Redis is unreachable; counting in memory until it answers"));
    limiter = new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: limiter });
  }

  const stateOf = (result: RateLimiterRes): RateLimitState => ({
    limit,
    remaining: result.remainingPoints,
    resetsAt: Date.now() + result.msBeforeNext,
  });

  return {
    async consume(clientAddress) {
      try {
        return stateOf(await limiter.consume(rateLimitKeyOf(clientAddress, ipv6Prefix)));
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw new TooManyRequestsError(stateOf(rejection));
        throw rejection;
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}

import { isIPv4 } from "node:net";
import { Redis } from "ioredis";
import ipaddr from "ipaddr.js";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config/index.ts";
import { TooManyRequestsError, type RateLimitState } from "../errors.ts";
import { log } from "../log.ts";

const IPV4_MAPPED = "::ffff:";

/**
 * The bucket a client address counts in: an IPv4 address as it is (an IPv4-mapped IPv6 address as
 * its IPv4 address), and an IPv6 address by its first `ipv6Prefix` bits, its network: one host is
 * usually given a whole /64, and counting each of its 2^64 addresses apart would be no limit at all.
 */
export function rateLimitKeyOf(address: string, ipv6Prefix: number): string {
  // Without parsing, the common cases: an IPv4 peer, as Node names it, or in the IPv4-mapped form
  // that a dual-stack listener gives it.
  const ipv4 = address.startsWith(IPV4_MAPPED) ? address.slice(IPV4_MAPPED.length) : address;
  if (isIPv4(ipv4)) return ipv4;
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/${ipv6Prefix}`).toString()}/${ipv6Prefix}`;
}

/** One limit: counts an attempt of `key` and says where it stands; past the limit, TooManyRequestsError. */
export interface RateLimit {
  consume(key: string): Promise<RateLimitState>;
}

/**
 * The limits of config.rateLimiter: sign-ups (and address look-ups) per client address, counted in
 * its bucket (see rateLimitKeyOf), and passcodes sent per user.
 */
export interface RateLimiters {
  signUps: RateLimit;
  passcodes: RateLimit;
  close(): Promise<void>;
}

/**
 * The limits of config.rateLimiter (none when it is disabled): rate-limiter-flexible's fixed
 * windows, in this process's memory or in Redis, shared by every instance that uses the same Redis.
 * When Redis does not answer, each instance counts on in memory (the library's insurance limiter)
 * rather than refusing or letting through every attempt.
 */
export async function openRateLimiters(settings: Config["rateLimiter"]): Promise<RateLimiters | undefined> {
  if (!settings.enabled) return undefined;
  let redis: Redis | undefined;
  if (settings.store === "redis") {
    // No offline queue: while Redis is away, an attempt is counted by the insurance limiter at once
    // instead of waiting for a reconnection.
    redis = new Redis(settings.redisUrl!, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on("error", (error: Error) => log.warn(`Rate limiter: Redis: ${error.message}`));
    await redis.connect().catch(() => log.warn("Rate limiter: Redis is unreachable; counting in memory until it answers"));
  }
  const { ipv6Prefix } = settings;
  const signUps = fixedWindow(settings.signUp, "enroll:sign-up", redis);
  return {
    signUps: { consume: (clientAddress) => signUps.consume(rateLimitKeyOf(clientAddress, ipv6Prefix)) },
    passcodes: fixedWindow(settings.passcode, "enroll:passcode", redis),
    async close() {
      redis?.disconnect();
    },
  };
}

function fixedWindow({ limit, windowSeconds }: { limit: number; windowSeconds: number }, keyPrefix: string, redis: Redis | undefined): RateLimit {
  const options = { points: limit, duration: windowSeconds, keyPrefix };
  const inMemory = new RateLimiterMemory(options);
  const limiter: RateLimiterAbstract = redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: inMemory }) : inMemory;
  const stateOf = (result: RateLimiterRes): RateLimitState => ({
    limit,
    remaining: result.remainingPoints,
    resetsAt: Date.now() + result.msBeforeNext,
  });
  return {
    async consume(key) {
      try {
        return stateOf(await limiter.consume(key));
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw new TooManyRequestsError(stateOf(rejection));
        throw rejection;
      }
    },
  };
}

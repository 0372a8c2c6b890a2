import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config.ts";
import type { Context, ResponseHeaders } from "../context.ts";
import { EnrollError } from "../errors.ts";

export class TooManyRequestsError extends EnrollError {
  constructor() {
    super(429, "Too Many Requests");
  }
}

export interface SignUpRateLimiter {
  /** Counts one sign-up of `clientAddress` and adds the `X-RateLimit-*` headers; past the limit, TooManyRequestsError. */
  consume(clientAddress: string, responseHeaders: ResponseHeaders): Promise<void>;
  close(): Promise<void>;
}

/**
 * The sign-up limit of config.rateLimiter (none when it is disabled): rate-limiter-flexible's fixed
 * window, in this process's memory or in Redis, shared by every instance that uses the same Redis.
 * When Redis does not answer, each instance counts on in memory (the library's insurance limiter)
 * rather than refusing or letting through every sign-up.
 */
export async function openSignUpRateLimiter({ rateLimiter }: Config): Promise<SignUpRateLimiter | undefined> {
  if (!rateLimiter.enabled) return undefined;
  const { limit, windowSeconds } = rateLimiter.signUp;
  const options = { points: limit, duration: windowSeconds, keyPrefix: "enroll:sign-up" };
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract = new RateLimiterMemory(options);
  if (rateLimiter.store === "redis") {
    // No offline queue: while Redis is away, a sign-up is counted by the insurance limiter at once
    // instead of waiting for a reconnection.
    redis = new Redis(rateLimiter.redisUrl!, { enableOfflineQueue: false, lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on("error", (error: Error) => console.error(`Rate limiter: Redis: ${error.message}`));
    await redis.connect().catch(() => console.error("Rate limiter: Redis is unreachable; counting in memory until it answers"));
    limiter = new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: limiter });
  }

  const headersOf = (state: RateLimiterRes) => ({
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": String(state.remainingPoints),
    "X-RateLimit-Reset": String(Math.ceil((Date.now() + state.msBeforeNext) / 1000)),
  });

  return {
    async consume(clientAddress, responseHeaders) {
      try {
        Object.assign(responseHeaders, headersOf(await limiter.consume(clientAddress)));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        Object.assign(responseHeaders, headersOf(rejection), {
          "Retry-After": String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))),
        });
        throw new TooManyRequestsError();
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}

/** One sign-up attempt of the request's client, at either door; nothing to count outside a request. */
export async function limitSignUp({ rateLimiter, request }: Context): Promise<void> {
  if (rateLimiter && request?.clientAddress) await rateLimiter.consume(request.clientAddress, request.responseHeaders);
}

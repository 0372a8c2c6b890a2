import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";

/**
 * Every spelling of a route reaches that route, through the same pipeline, with the same limits: a
 * path that Next.js would normalise (dot segments, percent-encoded characters, repeated or trailing
 * slashes) never reaches a handler that skips a protection. The app runs as production does, with a
 * DATABASE_URL, and a small rate limit that both doors share.
 */
const LIMIT = 3;
const running = appOnFreshDatabase({ RATE_LIMITER_ENABLED: "true", RATE_LIMITER_SIGNUP_LIMIT: String(LIMIT) });

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A POST whose request-target is sent exactly as written (fetch and `new URL` would resolve it first). */
function postRaw(target: string, body: unknown): Promise<RawAnswer> {
  const { hostname, port } = new URL(running.app.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path: target, method: "POST", headers: { "Content-Type": "application/json" } }, async (response) => {
      let text = "";
      for await (const chunk of response) text += chunk;
      resolve({ status: response.statusCode!, headers: response.headers, body: text });
    });
    request.on("error", reject).end(JSON.stringify(body));
  });
}

const signUpSpellings = [
  "/./users",
  "/x/../users",
  "/%2e/users",
  "/%2E%2E/users",
  "//users",
  "/users/",
  "/users//",
  "/%75sers",
  "/users?x=/../",
];

const trpcSpellings = [
  "/./api/trpc/users.create",
  "/api//trpc/users.create",
  "/api/trpc/./users.create",
  "/api/trpc/users.create/",
  "/api/%74rpc/users.create",
  "/x/../api/trpc/users.create",
];

describe("a sign-up sent to another spelling of its route", () => {
  it("is answered by that route, within the same rate limit, with the same headers", async () => {
    let fresh = 0;
    const answers: { target: string; answer: RawAnswer }[] = [];
    for (const target of [...signUpSpellings, ...trpcSpellings]) {
      answers.push({ target, answer: await postRaw(target, { email: `spelling-${(fresh += 1)}@example.com` }) });
    }

    for (const { target, answer } of answers) {
      expect([target, answer.status]).toSatisfy(([, status]) => status === 200 || status === 429);
      expect(answer.headers["x-request-id"], target).toBeTruthy();
      expect(answer.headers["x-content-type-options"], target).toBe("nosniff");
      expect(answer.headers["x-ratelimit-limit"], target).toBe(String(LIMIT));
    }
    const created = answers.filter(({ answer }) => answer.status === 200);
    expect(created).toHaveLength(LIMIT);
    expect(await running.db.user.count()).toBe(LIMIT);
  });
});

describe("an absolute-form request-target", () => {
  it("is routed by its path, like any other spelling", async () => {
    const answer = await postRaw(`${running.app.url}/users`, { email: "absolute@example.com" });

    expect(answer.status).toBe(429);
    expect(answer.headers["x-ratelimit-limit"]).toBe(String(LIMIT));
  });
});

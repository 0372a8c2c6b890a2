import { describe, expect, it } from "vitest";
import { webhookReceiverForFile } from "../support/webhooks.ts";
import { appOnFreshDatabase, type RunningApp } from "../support/app.ts";
import { callMutation, postUser } from "../support/rest.ts";

const webhooks = webhookReceiverForFile(["user.create"]);

/** Nine sign-ups a minute per client, so that the tenth and eleventh of the mix are refused. */
const running = appOnFreshDatabase(() => ({
  RATE_LIMITER_ENABLED: "true",
  RATE_LIMITER_SIGNUP_LIMIT: "9",
  EMAIL_DOMAIN_DENYLIST: "blocked.example",
  ...webhooks.settings(),
}));
const closed = appOnFreshDatabase({ ACCOUNT_ALLOW_SIGNUP: "false" });

async function scrape(app: RunningApp): Promise<string> {
  const response = await fetch(`${app.adminUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, by its name and exactly its labels; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`).toSorted().join(",");
  for (const line of text.split("\n")) {
    const found = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!found || found[1] !== name) continue;
    if ((found[2] ?? "").split(",").filter(Boolean).toSorted().join(",") === wanted) return Number(found[3]);
  }
  return undefined;
}

describe("GET /metrics on the admin listener", () => {
  it("counts a known mix of sign-ups by outcome, at both doors, the address policy's and closed sign-up's as refused", async () => {
    const key = { "Idempotency-Key": "metrics-mix-1" };
    const statuses = [
      (await postUser(running.app.url, { email: "one@example.com" }, key)).status,
      (await postUser(running.app.url, { email: "one@example.com" }, key)).status,
      (await postUser(running.app.url, { email: "two@example.com" })).status,
      (await callMutation(running.app.url, "users.create", { email: "three@example.com" })).status,
      (await postUser(running.app.url, { email: "TWO@example.com" })).status,
      (await callMutation(running.app.url, "users.create", { email: "three@example.com" })).status,
      (await postUser(running.app.url, { email: "user@localhost" })).status,
      (await callMutation(running.app.url, "users.create", { email: 42 })).status,
      (await postUser(running.app.url, { email: "someone@blocked.example" })).status,
      (await postUser(running.app.url, { email: "four@example.com" })).status,
      (await callMutation(running.app.url, "users.create", { email: "five@example.com" })).status,
    ];
    const refused = (await postUser(closed.app.url, { email: "late@example.com" })).status;

    expect(statuses).toEqual([200, 200, 200, 200, 409, 409, 400, 400, 400, 429, 429]);
    expect(refused).toBe(403);
    const text = await scrape(running.app);
    const signUps = (outcome: string) => sample(text, "enroll_sign_ups_total", { outcome });
    expect([signUps("created"), signUps("replayed"), signUps("conflict"), signUps("invalid"), signUps("rate_limited")]).toEqual([3, 1, 2, 2, 2]);
    // The address policy's 400 is a refusal by policy, not an invalid request.
    expect(signUps("refused")).toBe(1);
    expect(sample(await scrape(closed.app), "enroll_sign_ups_total", { outcome: "refused" })).toBe(1);
  });

  it("times requests by listener, method, route and status", async () => {
    const text = await scrape(running.app);

    expect(sample(text, "enroll_http_request_duration_seconds_count", { listener: "public", method: "POST", route: "/users", status: "409" })).toBe(1);
    expect(sample(text, "enroll_http_request_duration_seconds_count", { listener: "public", method: "POST", route: "/api/trpc/{procedure}", status: "200" })).toBe(1);
    expect(sample(text, "enroll_http_request_duration_seconds_bucket", { listener: "public", method: "POST", route: "/users", status: "429", le: "+Inf" })).toBe(1);
    expect(sample(text, "enroll_http_request_duration_seconds_count", { listener: "admin", method: "GET", route: "/metrics", status: "200" })).toBeGreaterThanOrEqual(1);
  });

  it("counts webhook attempts by outcome and shows the outbox, the pool and Node's process", async () => {
    await webhooks.receiver().waitForAccepted(3);
    // Delivered is recorded just after the receiver answers.
    let text = await scrape(running.app);
    for (let tries = 0; sample(text, "enroll_webhook_delivery_attempts_total", { outcome: "delivered" }) !== 3 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await scrape(running.app);
    }

    expect(sample(text, "enroll_webhook_delivery_attempts_total", { outcome: "delivered" })).toBe(3);
    expect(sample(text, "enroll_webhook_outbox_events", { state: "pending" })).toBe(0);
    expect(sample(text, "enroll_webhook_outbox_events", { state: "given_up" })).toBe(0);
    expect(sample(text, "enroll_db_pool_connections", { state: "idle" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "enroll_db_pool_connections", { state: "in_use" })).toBeGreaterThanOrEqual(0);
    expect(sample(text, "enroll_db_pool_waiting_queries")).toBe(0);
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sample(text, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";
import { callMutation, postUser, type Answer } from "../support/rest.ts";

// The default settings: entries are stored and written to stdout.
const running = appOnFreshDatabase();

const userIdOf = (answer: Answer) => {
  const body = answer.body as { user_id?: string; result?: { data: { user_id: string } } };
  return body.result?.data.user_id ?? body.user_id!;
};

/** The app's audit lines on stdout so far (its stdout is a pipe: they may come after the answers). */
const auditLines = () => running.app.logLines().filter((line) => line.audience === "audit");

describe.each([
  ["POST /users", (url: string, email: string, headers: Record<string, string>) => postUser(url, { email }, headers)],
  ["users.create", (url: string, email: string, headers: Record<string, string>) =>
    callMutation(url, "users.create", { email }, headers)],
])("a sign-up through %s", (door, signUp) => {
  const slug = door === "POST /users" ? "rest" : "trpc";
  const email = `audit-${slug}@example.com`;

  it("stores its user_created entry under the X-Request-Id the client got, and writes it as one JSON line", async () => {
    const answer = await signUp(running.app.url, email, { "User-Agent": "AuditBrowser/2.0" });
    expect(answer.status).toBe(200);
    const requestId = answer.headers.get("x-request-id")!;
    const userId = userIdOf(answer);

    expect(await running.db.auditLog.findMany({ where: { actorUserId: userId } })).toEqual([
      expect.objectContaining({
        type: "user_created",
        metaHttpRequestId: requestId,
        metaSourceIp: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$|^::1$/),
        metaUserAgent: "AuditBrowser/2.0",
        actorEmail: email,
      }),
    ]);
    await expect.poll(() => auditLines().filter((line) => line.user_id === userId)).toEqual([
      expect.objectContaining({
        audience: "audit",
        type: "user_created",
        http_request_id: requestId,
        requestId,
        user_agent: "AuditBrowser/2.0",
        user_email: email,
      }),
    ]);
  });

  it("writes no second entry, and no second line, when a retry with its Idempotency-Key is replayed", async () => {
    const headers = { "Idempotency-Key": `audit-${slug}` };
    const first = await signUp(running.app.url, `keyed-${email}`, headers);
    const retry = await signUp(running.app.url, `keyed-${email}`, headers);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const userId = userIdOf(first);

    expect(await running.db.auditLog.count({ where: { actorUserId: userId } })).toBe(1);
    await expect.poll(() => auditLines().filter((line) => line.user_id === userId).length).toBe(1);
    // A line of the retry would have been written before its answer; give the pipe time to bring it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(auditLines().filter((line) => line.user_id === userId)).toHaveLength(1);
    expect(auditLines().some((line) => line.http_request_id === retry.headers.get("x-request-id"))).toBe(false);
  });
});

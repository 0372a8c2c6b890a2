import { expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";
import { callMutation, error, postUser } from "../support/rest.ts";

const running = appOnFreshDatabase({ ACCOUNT_ALLOW_SIGNUP: "false" });

it("answers 403 and writes nothing while ACCOUNT_ALLOW_SIGNUP=false", async () => {
  expect(await postUser(running.app.url, { email: "closed@example.com" })).toMatchObject({
    status: 403,
    body: error(403, "Forbidden"),
  });
  expect(await running.db.email.count()).toBe(0);
});

it("answers 403 before looking at the body", async () => {
  const unreadable = await postUser(running.app.url, "not json at all", { "Content-Type": "text/plain" });

  expect(unreadable).toMatchObject({ status: 403, body: error(403, "Forbidden") });
  expect(unreadable.headers.get("x-request-id")).toBeTruthy();
});

it("answers the tRPC door with FORBIDDEN too", async () => {
  const answer = await callMutation(running.app.url, "users.create", { email: "closed@example.com" });

  expect(answer.status).toBe(403);
  expect(answer.body).toMatchObject({ error: { message: "Forbidden", data: { code: "FORBIDDEN" } } });
});

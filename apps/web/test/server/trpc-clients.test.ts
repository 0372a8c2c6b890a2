import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import type { AppRouter } from "@enroll/api";
import { appOnFreshDatabase } from "../support/app.ts";

const running = appOnFreshDatabase();

const clients = {
  httpLink: () => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${running.app.url}/api/trpc` })] }),
  httpBatchLink: () => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${running.app.url}/api/trpc` })] }),
};

describe.each(Object.entries(clients))("tRPC's own client with %s, against the production server", (link, client) => {
  it("signs up and reads the typed answer", async () => {
    const created = await client().users.create.mutate({ email: `${link}@example.com` });

    expect(created).toEqual({ id: created.user_id, user_id: expect.any(String), email_id: expect.any(String) });
    const email = await running.db.email.findUniqueOrThrow({ where: { id: created.email_id } });
    expect(email).toMatchObject({ address: `${link.toLowerCase()}@example.com`, userId: created.user_id });
  });

  it("receives a taken address as a typed CONFLICT", async () => {
    await client().users.create.mutate({ email: `taken-${link}@example.com` });

    const failure = await client().users.create.mutate({ email: `TAKEN-${link}@example.com` }).catch((error) => error);

    expect(failure).toBeInstanceOf(TRPCClientError);
    expect(failure).toMatchObject({ message: "Conflict", data: { code: "CONFLICT", httpStatus: 409 } });
  });

  it("receives an invalid address as a typed BAD_REQUEST with the REST door's sentence", async () => {
    const failure = await client().users.create.mutate({ email: "user@localhost" }).catch((error) => error);

    expect(failure).toMatchObject({ message: "email must be a valid email address", data: { code: "BAD_REQUEST" } });
  });
});

it("refuses a batch of two sign-ups and writes nothing; with maxItems: 1 the batching link sends them one by one", async () => {
  const batching = clients.httpBatchLink();
  const oneByOne = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${running.app.url}/api/trpc`, maxItems: 1 })] });

  const refused = await Promise.allSettled([
    batching.users.create.mutate({ email: "batched@example.com" }),
    batching.users.create.mutate({ email: "batched-too@example.com" }),
  ]);
  const [first, second] = await Promise.allSettled([
    oneByOne.users.create.mutate({ email: "batched@example.com" }),
    oneByOne.users.create.mutate({ email: "BATCHED@example.com" }),
  ]);

  expect(refused).toMatchObject([
    { status: "rejected", reason: { message: "Batch call exceeds maximum size", data: { code: "BAD_REQUEST" } } },
    { status: "rejected", reason: { data: { code: "BAD_REQUEST" } } },
  ]);
  expect([first, second]).toMatchObject([{ status: "fulfilled" }, { status: "rejected", reason: { data: { code: "CONFLICT" } } }]);
  expect(await running.db.email.count({ where: { address: "batched-too@example.com" } })).toBe(0);
});

it.each([
  ["empty, which reads as {}", "", "email is a required field"],
  ["not JSON", "{", "request body must be valid JSON"],
])("answers a call whose body is %s with 400 and the REST door's sentence, not a 500", async (_case, body, message) => {
  const response = await fetch(`${running.app.url}/api/trpc/users.create`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
  });

  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: { message, data: { code: "BAD_REQUEST", httpStatus: 400 } } });
});

import { beforeAll, describe, expect, it } from "vitest";
import { appOnFreshDatabase } from "../support/app.ts";
import { error, postUser, send } from "../support/rest.ts";

const running = appOnFreshDatabase();

const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

describe("POST /users with a new address", () => {
  it("answers 200 with the new ids as JSON and writes user, email and primary email", async () => {
    const answer = await postUser(running.app.url, { email: "new@example.com" });

    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json\b/);
    expect(answer.body).toEqual({ id: uuid, user_id: uuid, email_id: uuid });
    const { user_id, email_id, id } = answer.body as Record<string, string>;
    expect(id).toBe(user_id);
    const user = await running.db.user.findUniqueOrThrow({
      where: { id: user_id },
      include: { emails: true, primaryEmail: true },
    });
    expect(user.emails).toEqual([expect.objectContaining({ id: email_id, address: "new@example.com", verified: false })]);
    expect(user.primaryEmail).toMatchObject({ emailId: email_id });
  });

  it("stores the address in lower case", async () => {
    const answer = await postUser(running.app.url, { email: "Grace.Hopper@Example.COM" });

    expect(answer.status).toBe(200);
    const { email_id } = answer.body as Record<string, string>;
    expect(await running.db.email.findUniqueOrThrow({ where: { id: email_id } })).toMatchObject({
      address: "grace.hopper@example.com",
    });
  });

  it("ignores unknown keys", async () => {
    const answer = await postUser(running.app.url, { email: "extra@example.com", name: "Ada", admin: true });

    expect(answer.status).toBe(200);
  });

  it("accepts application/json with a charset", async () => {
    const answer = await postUser(running.app.url, { email: "charset@example.com" }, {
      "Content-Type": "application/json; charset=utf-8",
    });

    expect(answer.status).toBe(200);
  });

  it.each(["a@b.c", "a+tag@b.com", "ä@b.com", `${"l".repeat(64)}@example.com`, `a@${"d".repeat(240)}.example.com`])(
    "accepts the valid address %s",
    async (email) => {
      expect((await postUser(running.app.url, { email })).status).toBe(200);
    },
  );

  it("takes over an address that exists but no user owns", async () => {
    const unowned = await running.db.email.create({ data: { address: "left-behind@example.com" } });

    const answer = await postUser(running.app.url, { email: "left-behind@example.com" });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ email_id: unowned.id });
    expect(await running.db.email.findUniqueOrThrow({ where: { id: unowned.id } })).toMatchObject({
      userId: (answer.body as Record<string, string>).user_id,
    });
  });
});

describe("POST /users with an address that is taken", () => {
  beforeAll(async () => {
    expect((await postUser(running.app.url, { email: "taken@example.com" })).status).toBe(200);
  });

  it.each(["taken@example.com", "TAKEN@example.com", "Taken@Example.Com"])(
    "answers 409 for %s and keeps nothing",
    async (email) => {
      const counts = await Promise.all([running.db.user.count(), running.db.email.count(), running.db.primaryEmail.count()]);

      const answer = await postUser(running.app.url, { email });

      expect(answer).toMatchObject({ status: 409, body: error(409, "Conflict") });
      expect(await Promise.all([running.db.user.count(), running.db.email.count(), running.db.primaryEmail.count()])).toEqual(counts);
    },
  );

  it("lets exactly one of 20 concurrent requests for one new address win, and none fail", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postUser(running.app.url, { email: "race@example.com" })),
    );

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(409)]);
    expect(answers.filter((answer) => answer.status === 409).map((answer) => answer.body)).toEqual(
      Array(19).fill(error(409, "Conflict")),
    );
    expect(await running.db.user.count({ where: { emails: { some: { address: "race@example.com" } } } })).toBe(1);
  });
});

describe("POST /users with a bad request", () => {
  async function expectNothingWritten(send: () => Promise<unknown>) {
    const before = await Promise.all([running.db.user.count(), running.db.email.count()]);
    await send();
    expect(await Promise.all([running.db.user.count(), running.db.email.count()])).toEqual(before);
  }

  it.each([
    ["missing", {}],
    ["empty", { email: "" }],
    ["null", { email: null }],
  ])("answers 400 for a %s email", async (_case, body) => {
    await expectNothingWritten(async () => {
      expect(await postUser(running.app.url, body)).toMatchObject({
        status: 400,
        body: error(400, "email is a required field"),
      });
    });
  });

  it.each([
    "a@b",
    "user@localhost",
    " a@b.com",
    "a@b.com.",
    "Jane <a@b.com>",
    "a@b.c1",
    `${"l".repeat(65)}@example.com`,
    `a@${"d".repeat(241)}.example.com`,
  ])("answers 400 for the invalid address %j", async (email) => {
    await expectNothingWritten(async () => {
      expect(await postUser(running.app.url, { email })).toMatchObject({
        status: 400,
        body: error(400, "email must be a valid email address"),
      });
    });
  });

  it.each([
    ["malformed JSON", "{email: 'a@b.com'}", "request body must be valid JSON"],
    ["truncated JSON", '{"email": "a@b.c', "request body must be valid JSON"],
    ["a number for email", '{"email": 123}', "email must be a string"],
    ["null", "null", "request body must be a JSON object"],
    ["an array", '["a@b.com"]', "request body must be a JSON object"],
    ["a string", '"a@b.com"', "request body must be a JSON object"],
  ])("answers 400 for %s, in plain words", async (_case, body, message) => {
    expect(await postUser(running.app.url, body)).toMatchObject({ status: 400, body: error(400, message) });
  });

  it("reads a request without a body as one without an email, as the reference server does", async () => {
    expect(await send(running.app.url, "/users", { method: "POST" })).toMatchObject({
      status: 400,
      body: error(400, "email is a required field"),
    });
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])(
    "answers 415 for Content-Type %s",
    async (contentType) => {
      const answer = await postUser(running.app.url, { email: "typed@example.com" }, { "Content-Type": contentType });

      expect(answer).toMatchObject({ status: 415, body: error(415, "Unsupported Media Type") });
    },
  );

  it("answers 413 for a body over 16 KiB, declared or streamed, and writes nothing", async () => {
    const padding = "x".repeat(16 * 1024);
    await expectNothingWritten(async () => {
      expect(await postUser(running.app.url, { email: "big@example.com", padding })).toMatchObject({
        status: 413,
        body: error(413, "Payload Too Large"),
      });
      const streamed = new Blob([JSON.stringify({ email: "big@example.com", padding })]).stream();
      expect(
        await send(running.app.url, "/users", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: streamed,
          duplex: "half",
        } as RequestInit),
      ).toMatchObject({ status: 413, body: error(413, "Payload Too Large") });
    });
  });

  it("keeps error bodies to exactly code and message", async () => {
    const answers = await Promise.all([
      postUser(running.app.url, "{"),
      postUser(running.app.url, { email: "nope" }),
      postUser(running.app.url, {}, { "Content-Type": "text/plain" }),
    ]);

    for (const answer of answers) expect(Object.keys(answer.body as object).sort()).toEqual(["code", "message"]);
  });
});

describe("/users with another method", () => {
  it.each(["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])("answers %s with 405 and Allow: POST", async (method) => {
    const answer = await send(running.app.url, "/users", { method });

    expect(answer).toMatchObject({ status: 405, body: error(405, "Method Not Allowed") });
    expect(answer.headers.get("allow")).toBe("POST");
  });

  it("answers HEAD with 405 and Allow: POST, without a body", async () => {
    const answer = await send(running.app.url, "/users", { method: "HEAD" });

    expect(answer).toMatchObject({ status: 405, body: "" });
    expect(answer.headers.get("allow")).toBe("POST");
  });
});

describe("X-Request-Id", () => {
  it("is on every answer, new for each request", async () => {
    const answers = await Promise.all([
      postUser(running.app.url, { email: "request-id@example.com" }),
      postUser(running.app.url, { email: "request-id@example.com" }),
      postUser(running.app.url, { email: "bad" }),
      postUser(running.app.url, {}, { "Content-Type": "text/plain" }),
      send(running.app.url, "/users", { method: "GET" }),
    ]);

    const ids = answers.map((answer) => answer.headers.get("x-request-id"));
    expect(ids).toEqual(Array(answers.length).fill(uuid));
    expect(new Set(ids).size).toBe(answers.length);
  });

  it("carries the caller's own request id through", async () => {
    const answer = await postUser(running.app.url, { email: "traced@example.com" }, { "X-Request-Id": "trace-42" });

    expect(answer.headers.get("x-request-id")).toBe("trace-42");
  });
});

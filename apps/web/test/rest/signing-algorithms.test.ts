import { randomUUID } from "node:crypto";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { send } from "../support/rest.ts";
import { webhookReceiverForFile } from "../support/webhooks.ts";

/**
 * SESSION_SIGNING_ALGORITHM as a relying party sees it: tokens checked against the app's
 * `/.well-known/jwks.json` from outside, and `/me` across restarts that change the algorithm.
 */
const FIRST_SECRET = "first-secret-of-the-signing-test";
const SECOND_SECRET = "second-secret-of-the-signing-test";

const webhooks = webhookReceiverForFile(["user.create"]);
const running = new Set<RunningApp>();
afterAll(() => Promise.all([...running].map((app) => app.stop())));

async function started(databaseUrl: string, env: Record<string, string>): Promise<RunningApp> {
  const app = await startApp(databaseUrl, env);
  running.add(app);
  return app;
}

async function stopped(app: RunningApp): Promise<void> {
  await app.stop();
  running.delete(app);
}

/** A sign-up through `POST /users`: the new user's id and session token (the hanko cookie). */
async function signUp(app: RunningApp): Promise<{ userId: string; token: string }> {
  const answer = await fetch(`${app.url}/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: `${randomUUID()}@example.com` }),
  });
  expect(answer.status).toBe(200);
  const { user_id: userId } = (await answer.json()) as { user_id: string };
  const token = /^hanko=([^;]+)/.exec(answer.headers.getSetCookie().find((line) => line.startsWith("hanko="))!)![1]!;
  return { userId, token };
}

/** As a relying party checks a token: against the keys the app publishes, for one algorithm only. */
async function verifiedFromOutside(app: RunningApp, token: string, algorithm: string) {
  const enrollKeys = createRemoteJWKSet(new URL(`${app.url}/.well-known/jwks.json`));
  return (await jwtVerify(token, enrollKeys, { algorithms: [algorithm], audience: "localhost" })).payload;
}

const publishedKeys = async (app: RunningApp) => ((await send(app.url, "/.well-known/jwks.json")).body as { keys: JWK[] }).keys;
const meStatus = async (app: RunningApp, token: string) =>
  (await send(app.url, "/me", { headers: { Authorization: `Bearer ${token}` } })).status;

describe("SESSION_SIGNING_ALGORITHM=EdDSA", () => {
  it("signs session and webhook tokens with Ed25519, which a relying party verifies against the JWKS", async () => {
    const app = await started(await createEmptyDatabase(inject("postgresUrl")), {
      SECRETS_KEYS: FIRST_SECRET,
      SESSION_SIGNING_ALGORITHM: "EdDSA",
      ...webhooks.settings(),
    });

    const { userId, token } = await signUp(app);

    expect(await publishedKeys(app)).toEqual([
      { kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: expect.any(String), x: expect.any(String) },
    ]);
    expect(decodeProtectedHeader(token).alg).toBe("EdDSA");
    expect((await verifiedFromOutside(app, token, "EdDSA")).sub).toBe(userId);
    expect(await meStatus(app, token)).toBe(200);
    await webhooks.receiver().waitForAccepted(1);
    const delivered = webhooks.receiver().accepted().find(({ body }) => (decodeJwt(body.token).data as { id: string }).id === userId);
    expect(decodeProtectedHeader(delivered!.body.token).alg).toBe("EdDSA");
    await expect(verifiedFromOutside(app, delivered!.body.token, "EdDSA")).resolves.toMatchObject({ evt: "user.create" });
    await stopped(app);
  });
});

describe("changing SESSION_SIGNING_ALGORITHM from RS256 to ES256", () => {
  it("keeps RS256 sessions alive and published while their secret is listed, and ends them once it is dropped", async () => {
    const databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
    const before = await started(databaseUrl, { SECRETS_KEYS: FIRST_SECRET });
    const oldSession = await signUp(before);
    expect(decodeProtectedHeader(oldSession.token).alg).toBe("RS256");
    expect((await verifiedFromOutside(before, oldSession.token, "RS256")).sub).toBe(oldSession.userId);
    await stopped(before);

    const switched = await started(databaseUrl, { SECRETS_KEYS: FIRST_SECRET, SESSION_SIGNING_ALGORITHM: "ES256" });
    const newSession = await signUp(switched);

    expect(decodeProtectedHeader(newSession.token).alg).toBe("ES256");
    expect((await publishedKeys(switched)).map(({ kty, alg, crv }) => ({ kty, alg, crv }))).toEqual([
      { kty: "EC", alg: "ES256", crv: "P-256" },
      { kty: "RSA", alg: "RS256", crv: undefined },
    ]);
    expect((await verifiedFromOutside(switched, newSession.token, "ES256")).sub).toBe(newSession.userId);
    expect((await verifiedFromOutside(switched, oldSession.token, "RS256")).sub).toBe(oldSession.userId);
    expect(await meStatus(switched, oldSession.token)).toBe(200);
    expect(await meStatus(switched, newSession.token)).toBe(200);
    await stopped(switched);

    const rotated = await started(databaseUrl, { SECRETS_KEYS: SECOND_SECRET, SESSION_SIGNING_ALGORITHM: "ES256" });

    expect((await publishedKeys(rotated)).map(({ alg }) => alg)).toEqual(["ES256"]);
    await expect(verifiedFromOutside(rotated, oldSession.token, "RS256")).rejects.toThrow();
    expect(await meStatus(rotated, oldSession.token)).toBe(401);
    expect(await meStatus(rotated, newSession.token)).toBe(401);
    expect(await meStatus(rotated, (await signUp(rotated)).token)).toBe(200);
    await stopped(rotated);
  });
});

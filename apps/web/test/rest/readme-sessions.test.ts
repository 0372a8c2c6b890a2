import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRemoteJWKSet, decodeJwt, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startWebhookReceiver } from "@enroll/api/testing/webhook-receiver";
import { appOnFreshDatabase } from "../support/app.ts";
import { postUser } from "../support/rest.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
// Every sign-up's user.create webhook goes here: its token is signed with the session keys too.
const receiver = await startWebhookReceiver();
afterAll(() => receiver.close());
const running = appOnFreshDatabase({
  WEBHOOKS_ENABLED: "true",
  WEBHOOKS_HOOKS: JSON.stringify([{ callback: receiver.url, events: ["user.create"] }]),
});
let folder: string;
let enrollUserOf: (token: string) => Promise<string>;

/**
 * The README's "Verifying a token in another service" block, as another service would hold it:
 * written out under `.tmp/` (outside the workspace's globs) with `jose` linked beside it, its URL
 * pointed at the app under test, and imported.
 */
beforeAll(async () => {
  const readme = await readFile(path.join(root, "README.md"), "utf8");
  const [, block] = /```ts\n\/\/ another-service\/enroll-session\.ts\n([\s\S]*?)```/.exec(readme) ?? [];
  expect(block, "the README's enroll-session.ts block").toBeDefined();
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  folder = await mkdtemp(path.join(root, ".tmp", "another-service-"));
  const jose = await realpath(path.dirname(createRequire(import.meta.url).resolve("jose/package.json")));
  await mkdir(path.join(folder, "node_modules"));
  await symlink(jose, path.join(folder, "node_modules", "jose"), "dir");
  const file = path.join(folder, "enroll-session.ts");
  await writeFile(file, block!.replace("http://localhost:3000", running.app.url));
  ({ enrollUserOf } = await import(pathToFileURL(file).href));
});
afterAll(() => (folder ? rm(folder, { recursive: true, force: true }) : undefined));

async function signedUpToken(): Promise<{ token: string; userId: string }> {
  const answer = await postUser(running.app.url, { email: `${crypto.randomUUID()}@example.com` });
  const token = /^hanko=([^;]+)/.exec(answer.headers.getSetCookie().find((line) => line.startsWith("hanko="))!)![1]!;
  return { token, userId: (answer.body as { user_id: string }).user_id };
}

describe("the README's way for another service to verify an Enroll token", () => {
  it("gives the user id of a token from a sign-up, checked against the app's JWKS", async () => {
    const { token, userId } = await signedUpToken();

    expect(await enrollUserOf(token)).toBe(userId);
  });

  it("refuses a token signed by any other key", async () => {
    const { token } = await signedUpToken();
    const [header] = token.split(".");
    const { kid } = JSON.parse(Buffer.from(header!, "base64url").toString()) as { kid: string };
    const forged = await new SignJWT({ sub: "someone" })
      .setProtectedHeader({ alg: "RS256", kid })
      .setAudience("localhost")
      .setExpirationTime("1h")
      .sign((await generateKeyPair("RS256")).privateKey);

    await expect(enrollUserOf(forged)).rejects.toThrow();
  });

  it("refuses a webhook token, though it is signed with the same keys, for the same audience", async () => {
    const { userId } = await signedUpToken();
    const webhookToken = await vi.waitFor(() => {
      const delivered = receiver.accepted().find(({ body }) => (decodeJwt(body.token).data as { id: string }).id === userId);
      if (!delivered) throw new Error(`no user.create webhook for ${userId} yet`);
      return delivered.body.token;
    });
    // A real webhook token, as the README's receiver checks it: the app's keys, the audience, the subject.
    const keys = createRemoteJWKSet(new URL("/.well-known/jwks.json", running.app.url));
    await jwtVerify(webhookToken, keys, { audience: "localhost", subject: "hanko webhooks" });

    await expect(enrollUserOf(webhookToken)).rejects.toThrow();
  });
});

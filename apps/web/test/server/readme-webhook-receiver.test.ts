import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createEmptyDatabase, freePort } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { postUser } from "../support/rest.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
let folder: string;
let databaseUrl: string;
let app: RunningApp;
let receiver: ChildProcess;
let receiverOutput = "";
/** Where the receiver listens, and the app posts. */
let callback: string;

/** The README's receiver: the fenced block whose first line is `// webhook-receiver.ts`. */
async function readmeReceiver(): Promise<string> {
  const readme = await readFile(path.join(root, "README.md"), "utf8");
  const [, code] = /```ts\n\/\/ webhook-receiver\.ts\n([\s\S]*?)```/.exec(readme) ?? [];
  if (!code) throw new Error("README.md has no `// webhook-receiver.ts` block");
  return code;
}

beforeAll(async () => {
  databaseUrl = await createEmptyDatabase(inject("postgresUrl"));
  await mkdir(path.join(root, ".tmp"), { recursive: true });
  folder = await mkdtemp(path.join(root, ".tmp", "webhook-receiver-"));
  await writeFile(path.join(folder, "webhook-receiver.ts"), await readmeReceiver());
  await writeFile(path.join(folder, "package.json"), JSON.stringify({ type: "module" }));
  const jose = await realpath(path.dirname(createRequire(path.join(root, "apps/web/")).resolve("jose/package.json")));
  await mkdir(path.join(folder, "node_modules"));
  await symlink(jose, path.join(folder, "node_modules", "jose"), "dir");

  const receiverPort = await freePort();
  callback = `http://127.0.0.1:${receiverPort}/`;
  app = await startApp(databaseUrl, {
    WEBHOOKS_ENABLED: "true",
    WEBHOOKS_HOOKS: JSON.stringify([{ callback, events: ["user.create"] }]),
    SESSION_AUDIENCE: "shop.example",
  });
  receiver = spawn(process.execPath, ["webhook-receiver.ts"], {
    cwd: folder,
    env: { ...process.env, PORT: String(receiverPort), ENROLL_JWKS_URL: `${app.url}/.well-known/jwks.json`, ENROLL_AUDIENCE: "shop.example" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  receiver.stdout!.on("data", (chunk) => (receiverOutput += chunk));
  receiver.stderr!.on("data", (chunk) => (receiverOutput += chunk));
  await until(() => fetch(callback, { method: "POST", body: "{}" }).then((response) => response.status === 400, () => false));
});
afterAll(async () => {
  receiver?.kill();
  await app?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

it("runs the README's receiver, which verifies each user.create token against the JWKS and reads the user", async () => {
  const answer = await postUser(app.url, { email: "readme-receiver@example.com" });
  const { user_id: userId } = answer.body as { user_id: string };

  await until(async () => receiverOutput.includes(userId));

  expect(receiverOutput.trim()).toBe(`user.create ${userId} readme-receiver@example.com`);
});

it("has that receiver refuse a token that is not signed by the app's keys, and act on none", async () => {
  const forged = await fetch(callback, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: "eyJhbGciOiJub25lIn0.eyJldnQiOiJ1c2VyLmNyZWF0ZSJ9.", event: "user.create" }),
  });

  expect(forged.status).toBe(400);
  expect(receiverOutput.trim().split("\n")).toHaveLength(1);
});

async function until(condition: () => boolean | Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out; the receiver printed:\n${receiverOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

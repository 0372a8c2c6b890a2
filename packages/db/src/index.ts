import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export type { Email, PrimaryEmail, User } from "./generated/prisma/client.ts";

export type Database = PrismaClient & {
  /**
   * The client's own pool of `pg` connections, for a hot statement that needs none of Prisma's
   * query pipeline (which costs more CPU per call than the statement's own round trip).
   */
  readonly pool: pg.Pool;
};

/** A Prisma client on the `pg` driver, with a pool of at most `poolSize` connections. */
export function createDatabase(url: string, { poolSize = 10 }: { poolSize?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const disconnectClient = client.$disconnect.bind(client);
  return Object.assign(client, {
    pool,
    // Prisma leaves a pool it was handed open, and has nothing to close if only the pool was used.
    async $disconnect() {
      await disconnectClient();
      await pool.end();
    },
  });
}

import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export type { Email, PrimaryEmail, User } from "./generated/prisma/client.ts";

export type Database = PrismaClient;

/** A Prisma client on the `pg` driver, with a pool of at most `poolSize` connections. */
export function createDatabase(url: string, { poolSize = 10 }: { poolSize?: number } = {}): Database {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
}

import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export { Prisma, PrismaClient } from "./generated/prisma/client.ts";
export type { Email, PrimaryEmail, User } from "./generated/prisma/client.ts";

export type Database = PrismaClient;

/**
 * A Prisma client on the `pg` driver, with a pool of at most `poolSize` connections. Errors come
 * without Prisma's formatted call site, as Prisma does by default only under NODE_ENV=production:
 * elsewhere (dev, tests) it captures a stack trace on every query for it, about a tenth of the
 * client's CPU per sign-up, for a message no client reads.
 */
export function createDatabase(url: string, { poolSize = 10 }: { poolSize?: number } = {}): Database {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }), errorFormat: "minimal" });
}

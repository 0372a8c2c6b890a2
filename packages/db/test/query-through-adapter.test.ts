import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, driverErrorOf, isDatabaseUnavailable, Prisma, queryThroughAdapter, type Database } from "../src/index.ts";
import { createEmptyDatabase } from "../src/testing.ts";

describe("queryThroughAdapter", () => {
  let db: Database;

  beforeAll(async () => {
    db = createDatabase(await createEmptyDatabase(inject("postgresUrl")), { poolSize: 2 });
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  it("answers the statement's rows as objects by column name, its values as given and as the adapter reads them", async () => {
    const id = "7c9e6679-7425-40de-944b-e07dc4f0a0b1";

    const rows = await queryThroughAdapter(db, Prisma.sql`SELECT ${id}::uuid AS id, ${"a@example.com"} AS address, ${3}::int AS tries, NULL AS nothing`);

    expect(rows).toEqual([{ id, address: "a@example.com", tries: 3, nothing: null }]);
  });

  it("answers no rows as an empty list", async () => {
    expect(await queryThroughAdapter(db, Prisma.sql`SELECT 1 AS one WHERE false`)).toEqual([]);
  });

  it("runs on the client's own pool, with its statement timeout: a statement past it is the database being unavailable", async () => {
    const failure = await queryThroughAdapter(db, Prisma.sql`SELECT pg_sleep(5)`).catch((error: unknown) => error);

    expect(driverErrorOf(failure)).toMatchObject({ originalCode: "57014" });
    expect(isDatabaseUnavailable(failure)).toBe(true);
  });

  it("reports a unique violation as Prisma Client does, by the adapter's kind and index", async () => {
    await db.$executeRaw`CREATE TABLE taken (address text PRIMARY KEY)`;
    await db.$executeRaw`INSERT INTO taken VALUES ('a@example.com')`;

    const direct = await queryThroughAdapter(db, Prisma.sql`INSERT INTO taken VALUES ('a@example.com')`).catch((error: unknown) => error);
    const throughClient = await db.$executeRaw`INSERT INTO taken VALUES ('a@example.com')`.catch((error: unknown) => error);

    expect(driverErrorOf(direct)).toMatchObject({ kind: "UniqueConstraintViolation", constraint: { index: "taken_pkey" } });
    expect(driverErrorOf(direct)).toEqual(driverErrorOf(throughClient));
    expect(isDatabaseUnavailable(direct)).toBe(false);
  });
});

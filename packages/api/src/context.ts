import type { Database } from "@enroll/db";
import type { Config } from "./config.ts";

/** What every service needs: the configuration and the database. Knows nothing about HTTP. */
export interface Context {
  config: Config;
  db: Database;
}

import type { TestProject } from "vitest/node";
import { startTestPostgres } from "./testing.ts";

/** Vitest global setup: one embedded PostgreSQL for the whole run; `inject("postgresUrl")` reaches it. */
export default async function setup(project: TestProject) {
  const server = await startTestPostgres();
  project.provide("postgresUrl", server.url);
  return () => server.stop();
}

import { handleAlive, handleReady } from "./health.ts";
import type { Route } from "./route.ts";
import { sessionRouteFor } from "./sessions.ts";
import { handleUsers } from "./users.ts";

/**
 * The REST routes Enroll answers itself, by path: Hanko's `/users`, the session API and the probes.
 * Undefined for every other path (tRPC's, the pages').
 */
export function restRouteFor(path: string): Route | undefined {
  if (path === "/users") return handleUsers;
  if (path === "/health/alive") return handleAlive;
  if (path === "/health/ready") return handleReady;
  return sessionRouteFor(path);
}

import type { Context } from "../context.ts";
import type { HttpRequest, HttpResponse } from "../http/exchange.ts";
import { handleAlive, handleReady } from "./health.ts";
import { sessionRouteFor } from "./sessions.ts";
import { handleUsers } from "./users.ts";

/** A REST route's core: the request as the doors read it, to its answer, whichever server received it. */
export type Route = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

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

import type { Database } from "@enroll/db";
import type { AliveAnswer, ReadyAnswer } from "@enroll/validators";
import { createReadinessCheck, type ReadinessCheck } from "../health/readiness.ts";
import { jsonResponse, type HttpRequest, type HttpResponse } from "../http/exchange.ts";
import type { Services } from "../http/services.ts";

/**
 * The probes' answers, never cached. No rate limit and no session: a load balancer or an
 * orchestrator calls these every few seconds from one address, with GET (Kubernetes' httpGet) or
 * HEAD (some load balancers; the server leaves the body out).
 */
function probeAnswer(status: number, body: unknown): HttpResponse {
  return jsonResponse(status, body, { "Cache-Control": "no-store" });
}

/** `GET /health/alive`: the process answers HTTP. */
export async function getAlive(): Promise<HttpResponse> {
  return probeAnswer(200, { alive: true } satisfies AliveAnswer);
}

/** One readiness check per database client, so that all the probes a server gets share its answers. */
const readinessChecks = new WeakMap<Database, ReadinessCheck>();

function readinessOf(db: Database): ReadinessCheck {
  let check = readinessChecks.get(db);
  if (!check) readinessChecks.set(db, (check = createReadinessCheck(db)));
  return check;
}

/**
 * `GET /health/ready`: the database answers too, within a second (as of at most about a second
 * ago); else 503, and the balancer sends no sign-ups.
 */
export async function getReady(_request: HttpRequest, { db }: Services): Promise<HttpResponse> {
  const ready = await readinessOf(db).isReady();
  return probeAnswer(ready ? 200 : 503, { ready } satisfies ReadyAnswer);
}

import type { AliveAnswer, ReadyAnswer } from "@enroll/validators";
import { isDatabaseReady } from "../health/readiness.ts";
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

/** `GET /health/ready`: the database answers too, within a second; else 503, and the balancer sends no sign-ups. */
export async function getReady(_request: HttpRequest, { db }: Services): Promise<HttpResponse> {
  const ready = await isDatabaseReady(db);
  return probeAnswer(ready ? 200 : 503, { ready } satisfies ReadyAnswer);
}

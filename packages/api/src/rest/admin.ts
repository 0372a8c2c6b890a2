import { adminCreateUserInput, auditLogListQuery, signUpsPerDayQuery, userListQuery } from "@enroll/validators";
import { z } from "zod";
import { listAuditEntries } from "../audit/list.ts";
import { InvalidRequestError, NotFoundError } from "../errors.ts";
import { readJsonBody } from "../http/body.ts";
import { jsonResponse, type HttpRequest, type HttpResponse } from "../http/exchange.ts";
import { pageHeaders, queryParameters } from "../http/pagination.ts";
import type { Services } from "../http/services.ts";
import { signUpsPerDay } from "../user-admin/stats.ts";
import { createUserAsOperator, deleteUserAsOperator, findUser, listUsers } from "../user-admin/users.ts";

/** The admin API's REST handlers (server/admin-routes.ts): each reads and checks what it is given, then calls user-admin/ or audit/. */

/** The `{id}` of the path, which must be a UUID before it goes anywhere near the database. */
function userIdOf(request: HttpRequest): string {
  const parsed = z.uuid().safeParse(request.params.id);
  if (!parsed.success) throw new InvalidRequestError("id must be a UUID");
  return parsed.data;
}

/** `GET /users`: a page of users, newest first by default, with `X-Total-Count` and `Link`. */
export async function getUsers(request: HttpRequest, { db }: Services): Promise<HttpResponse> {
  const query = userListQuery.parse(queryParameters(request.query));
  const { items, total } = await listUsers(db, query);
  return jsonResponse(200, items, pageHeaders("/users", request.query, { page: query.page, perPage: query.per_page, total }));
}

/** `GET /users/{id}`: one user with its addresses; 404 for an id no user has. */
export async function getUserAsOperator(request: HttpRequest, { db }: Services): Promise<HttpResponse> {
  return jsonResponse(200, await findUser(db, userIdOf(request)));
}

/** `POST /users`: a user as an operator gives it, with `user.create`; 409 when its id or an address exists. */
export async function postUserAsOperator(request: HttpRequest, services: Services): Promise<HttpResponse> {
  const user = adminCreateUserInput.parse(await readJsonBody(request));
  return jsonResponse(200, await createUserAsOperator(services, user, request.requester));
}

/** `DELETE /users/{id}`: the user and everything of theirs, with `user.delete` and an audit entry; 404 for an id no user has. */
export async function deleteUser(request: HttpRequest, services: Services): Promise<HttpResponse> {
  await deleteUserAsOperator(services, userIdOf(request), request.requester);
  return { status: 204, headers: {}, body: "" };
}

/** `GET /audit_logs`: a page of the audit log, newest first, with `X-Total-Count` and `Link`. */
export async function getAuditLogs(request: HttpRequest, { db }: Services): Promise<HttpResponse> {
  const query = auditLogListQuery.parse(queryParameters(request.query, ["type"]));
  const { items, total } = await listAuditEntries(db, query);
  return jsonResponse(200, items, pageHeaders("/audit_logs", request.query, { page: query.page, perPage: query.per_page, total }));
}

/** `GET /stats/sign_ups`: users created on each of the last `days` days, for the operator page's chart. */
export async function getSignUpsPerDay(request: HttpRequest, { db }: Services): Promise<HttpResponse> {
  const { days } = signUpsPerDayQuery.parse(queryParameters(request.query));
  return jsonResponse(200, await signUpsPerDay(db, days));
}

/** `GET /metrics`: every metric, in Prometheus' text format; 404 where nothing counts. */
export async function getMetrics(_request: HttpRequest, { metrics }: Services): Promise<HttpResponse> {
  if (!metrics) throw new NotFoundError();
  const { contentType, text } = await metrics.scrape();
  return { status: 200, headers: { "Content-Type": contentType, "Cache-Control": "no-store" }, body: text };
}

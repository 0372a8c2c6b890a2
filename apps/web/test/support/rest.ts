import { expectToMatchDocument, type Exchange } from "./openapi.ts";

export type Answer = Exchange;

/**
 * One request to the app, answered as status, headers and parsed body. Every test of the REST door
 * goes through here, so every answer it receives is also held against the served OpenAPI document.
 */
export async function send(baseUrl: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(new URL(path, baseUrl), init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text, the test will say what it expected
  }
  const answer = { method: init.method ?? "GET", path, status: response.status, headers: response.headers, body };
  if (!path.startsWith("/api/trpc/")) await expectToMatchDocument(baseUrl, answer);
  return answer;
}

/** `POST /users` with a JSON body (a string is sent as it is, anything else as JSON). */
export function postUser(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(baseUrl, "/users", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function error(code: number, message: string) {
  return { code, message };
}

/** A tRPC mutation called over plain HTTP, as any client of `/api/trpc` would. */
export function callMutation(
  baseUrl: string,
  procedure: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return send(baseUrl, `/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(input),
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/**
 * One request to the app, answered as status, headers and parsed body. Every REST test goes through
 * here, so that every answer can be held against the contract in one place.
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
  return { status: response.status, headers: response.headers, body };
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
export function callMutation(baseUrl: string, procedure: string, input: unknown): Promise<Answer> {
  return send(baseUrl, `/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(input),
  });
}

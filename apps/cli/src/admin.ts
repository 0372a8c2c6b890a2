import createClient from "openapi-fetch";
import { UnreachableError, type Refusal } from "./doors.ts";
import type { components, paths } from "./generated/enroll-admin-api.ts";

export type AdminUser = components["schemas"]["AdminUser"];

/** What the admin API said: its answer, or no with its status and sentence. */
export type AdminOutcome<T> = { answered: T } | { refused: Refusal };

/** A page of users, and where it stands in the whole list. */
export interface UserPage {
  users: AdminUser[];
  total: number;
}

/**
 * The admin API's users, through a client typed from the admin listener's own document
 * (`src/generated/enroll-admin-api.ts`), with the admin key when one is given.
 */
export function adminUsers(baseUrl: string, key: string | undefined) {
  const client = createClient<paths>({ baseUrl, headers: key ? { Authorization: `Bearer ${key}` } : {} });

  /** The answer of one call, or the server's refusal; UnreachableError when it does not answer at all. */
  async function outcomeOf<T>(call: Promise<{ data?: T; error?: Refusal; response: Response }>): Promise<AdminOutcome<T> & { headers?: Headers }> {
    const { data, error, response } = await call.catch((cause: unknown) => Promise.reject(new UnreachableError(baseUrl, cause)));
    if (response.ok) return { answered: data as T, headers: response.headers };
    // A proxy in front of the app may answer without the JSON body; the status still speaks.
    return { refused: { code: response.status, message: error?.message ?? response.statusText } };
  }

  return {
    async list(query: { email?: string; page?: number; perPage?: number }): Promise<AdminOutcome<UserPage>> {
      const outcome = await outcomeOf(
        client.GET("/users", { params: { query: { email: query.email, page: query.page?.toString(), per_page: query.perPage?.toString() } } }),
      );
      if ("refused" in outcome) return outcome;
      return { answered: { users: outcome.answered, total: Number(outcome.headers?.get("x-total-count") ?? outcome.answered.length) } };
    },
    get: (id: string) => outcomeOf(client.GET("/users/{id}", { params: { path: { id } } })),
    create: (emails: { address: string; is_primary: boolean; is_verified: boolean }[]) => outcomeOf(client.POST("/users", { body: { emails } })),
    delete: (id: string) => outcomeOf(client.DELETE("/users/{id}", { params: { path: { id } } })),
  };
}

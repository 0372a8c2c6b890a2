import type { ResponseHeaders } from "./exchange.ts";

/**
 * The query string's parameters by name: the last value of each, or every value of the names in
 * `repeatable` (`type=a&type=b`). An empty value is as good as none, as the reference reads it.
 */
export function queryParameters(query: string, repeatable: readonly string[] = []): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    if (value === "") continue;
    parameters[name] = repeatable.includes(name) ? [...((parameters[name] as string[] | undefined) ?? []), value] : value;
  }
  return parameters;
}

/**
 * A page's headers, as the reference's lists answer: `X-Total-Count`, and `Link` to the first,
 * previous, next and last pages (each with the request's other parameters). The links are relative
 * to the request, never built from its `Host`, which the client chooses.
 */
export function pageHeaders(path: string, query: string, { page, perPage, total }: { page: number; perPage: number; total: number }): ResponseHeaders {
  const last = Math.max(1, Math.ceil(total / perPage));
  const link = (rel: string, to: number) => {
    const parameters = new URLSearchParams(query);
    parameters.set("page", String(to));
    parameters.set("per_page", String(perPage));
    return `<${path}?${parameters}>; rel="${rel}"`;
  };
  const links = [link("first", 1), ...(page > 1 ? [link("prev", Math.min(page - 1, last))] : []), ...(page < last ? [link("next", page + 1)] : []), link("last", last)];
  return { "X-Total-Count": String(total), Link: links.join(", ") };
}

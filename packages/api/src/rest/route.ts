import { forRequest, type Context } from "../context.ts";
import { errorResponse, type HttpRequest, type HttpResponse } from "../http/exchange.ts";
import { MethodNotAllowedError } from "./body.ts";

/** A REST route's core: the request as the doors read it, to its answer, whichever server received it. */
export type Route = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

/**
 * A route that answers `method` only (405 with `Allow` otherwise): `answer` runs with the request's
 * context, the headers the rules added (rate-limit counts, cookies) go with its answer whatever the
 * status, and any failure becomes the contract's `{code, message}`.
 */
export function route(method: string, answer: (context: Context, request: HttpRequest) => Promise<HttpResponse>): Route {
  return async (request, context) => {
    if (request.method !== method) return errorResponse(new MethodNotAllowedError(), { Allow: method });
    const scoped = forRequest(context, request);
    const { responseHeaders } = scoped.request!;
    try {
      const response = await answer(scoped, request);
      return { ...response, headers: { ...response.headers, ...responseHeaders } };
    } catch (error) {
      return errorResponse(error, responseHeaders);
    }
  };
}

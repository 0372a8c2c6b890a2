import { forRequest, loadConfig, type Context } from "../../src/index.ts";

interface RequestOptions {
  /** The request's headers, by lower-case name. */
  headers?: Record<string, string | undefined>;
  /** The environment the configuration is read from. */
  settings?: Record<string, string>;
  requestId?: string;
  clientAddress?: string | undefined;
}

/** The context of one POST as a door would build it: the shared parts, `settings`' configuration, and the request. */
export function requestContext(
  shared: Pick<Context, "db" | "keys">,
  { headers = {}, settings = {}, requestId = "request", clientAddress = "192.0.2.7" }: RequestOptions = {},
): Context {
  return forRequest(
    { ...shared, config: loadConfig(settings) },
    { method: "POST", header: (name) => headers[name], body: null, requestId, clientAddress },
  );
}

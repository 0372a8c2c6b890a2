import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../errors.ts";
import type { HttpRequest } from "./exchange.ts";

export const MAX_BODY_BYTES = 16 * 1024;

const BODY_NOT_JSON = "request body must be valid JSON";

/**
 * The JSON body of a request, read as the reference server reads it: a request without a body (or
 * with an empty one) reads as `{}`; otherwise the type must be JSON (415) and the body at
 * most MAX_BODY_BYTES (413), checked against the declared length first and while reading.
 */
export async function readJsonBody(request: Pick<HttpRequest, "body" | "header">): Promise<unknown> {
  if (request.body === null) return {};
  if (!isJson(request.header("content-type"))) throw new UnsupportedMediaTypeError();
  if (Number(request.header("content-length")) > MAX_BODY_BYTES) throw new PayloadTooLargeError();
  const text = await readText(request.body);
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError(BODY_NOT_JSON);
  }
}

/** `application/json`, with or without parameters such as a charset. */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(";", 1)[0]?.trim().toLowerCase() === "application/json";
}

/** The body as UTF-8 text, refusing it (413) as soon as it grows past MAX_BODY_BYTES. */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  } catch {
    throw new InvalidRequestError(BODY_NOT_JSON);
  }
}

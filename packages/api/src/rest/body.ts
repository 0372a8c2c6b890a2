import { EnrollError, InvalidRequestError } from "../errors.ts";

export class UnsupportedMediaTypeError extends EnrollError {
  constructor() {
    super(415, "Unsupported Media Type");
  }
}

export class PayloadTooLargeError extends EnrollError {
  constructor() {
    super(413, "Payload Too Large");
  }
}

export class MethodNotAllowedError extends EnrollError {
  constructor() {
    super(405, "Method Not Allowed");
  }
}

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The JSON body of a request, read as the reference server reads it: a request without a body reads
 * as `{}` whatever its type; otherwise the type must be JSON (415) and the body at
 * most MAX_BODY_BYTES (413), checked against the declared length first and while reading.
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  if (hasNoBody(request.headers)) return {};
  if (!isJson(request.headers.get("content-type"))) throw new UnsupportedMediaTypeError();
  if (Number(request.headers.get("content-length")) > MAX_BODY_BYTES) throw new PayloadTooLargeError();
  const text = await readText(request);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError("request body must be valid JSON");
  }
}

function hasNoBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  return length === "0" || (length === null && !headers.has("transfer-encoding"));
}

function isJson(contentType: string | null): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

async function readText(request: Request): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new InvalidRequestError("request body must be valid JSON");
  }
}

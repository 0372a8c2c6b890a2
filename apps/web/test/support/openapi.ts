import { dereference } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenAPIV3_1 } from "openapi-types";
import { expect } from "vitest";
import type { routes } from "@enroll/api";

/** One answer of the app, as a test saw it. */
export interface Exchange {
  method: string;
  /** The path that was asked for; a query string is ignored. */
  path: string;
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

type Document = OpenAPIV3_1.Document;
type Response = OpenAPIV3_1.ResponseObject;

const documents = new Map<string, Promise<Document>>();

/** The OpenAPI document that the app at `baseUrl` serves, with every `$ref` resolved; fetched once. */
export function servedDocument(baseUrl: string): Promise<Document> {
  let document = documents.get(baseUrl);
  if (!document) {
    document = fetch(new URL("/openapi.json", baseUrl))
      .then((response) => response.json() as Promise<Document>)
      .then((served) => dereference(served));
    documents.set(baseUrl, document);
  }
  return document;
}

// OpenAPI 3.1 schemas are JSON Schema 2020-12 plus a few keywords of OpenAPI's own.
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
ajv.addVocabulary(["example", "xml", "externalDocs", "discriminator"]);

/**
 * Everything in which `exchange` differs from what `document` promises for its method, path and
 * status: an undocumented operation or status, a missing required header, another content type,
 * or a body that its schema refuses. Empty when the answer keeps the contract.
 */
export function contractProblems(document: Document, exchange: Exchange): string[] {
  const method = exchange.method.toLowerCase() as OpenAPIV3_1.HttpMethods;
  const path = new URL(exchange.path, "http://path.only").pathname;
  const pathItem = Object.entries(document.paths ?? {}).find(([template]) => matches(template, path))?.[1];
  if (!pathItem) return [`${path} is not documented`];
  const operation = pathItem[method];
  if (!operation) return notAllowedProblems(document, pathItem, exchange);
  const responses = operation.responses ?? {};
  const response = (responses[exchange.status] ??
    responses[`${String(exchange.status)[0]}XX`] ??
    responses.default) as Response | undefined;
  if (!response) return [`${exchange.method} ${path} does not document status ${exchange.status}`];

  const problems: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {}) as [string, OpenAPIV3_1.HeaderObject][]) {
    const value = exchange.headers.get(name);
    if (value === null) {
      if (header.required) problems.push(`header ${name} is missing`);
    } else if (header.schema) {
      problems.push(...schemaProblems(header.schema, value, `header ${name}`));
    }
  }

  const contentType = exchange.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  const media = contentType ? response.content?.[contentType] : undefined;
  if (response.content && !media) {
    problems.push(`content type ${contentType} is not one of ${Object.keys(response.content).join(", ")}`);
  } else if (!response.content && exchange.body !== "") {
    problems.push("the body should be empty");
  }
  // A HEAD answer has the headers of the GET answer but never its body.
  if (media?.schema && method !== "head") problems.push(...schemaProblems(media.schema, exchange.body, "body"));
  return problems;
}

const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/**
 * A method the document does not list for a path it does list must be refused as `POST /users`'s
 * description says: 405, `Allow` naming the listed methods, and the `{code, message}` body.
 */
function notAllowedProblems(document: Document, pathItem: OpenAPIV3_1.PathItemObject, exchange: Exchange): string[] {
  const { method, status, headers, body } = exchange;
  const listed = httpMethods.filter((known) => pathItem[known]).map((known) => known.toUpperCase());
  const problems: string[] = [];
  if (status !== 405) problems.push(`${method} is not documented, so it must answer 405, not ${status}`);
  if (headers.get("allow") !== listed.join(", ")) problems.push(`header Allow is not ${listed.join(", ")}`);
  if (method !== "HEAD") problems.push(...schemaProblems(document.components!.schemas!.Error!, body, "body"));
  return problems;
}

/** Holds `exchange` against the document served by the app at `baseUrl`; fails naming every difference. */
export async function expectToMatchDocument(baseUrl: string, exchange: Exchange): Promise<void> {
  const problems = contractProblems(await servedDocument(baseUrl), exchange);
  expect(problems, `${exchange.method} ${exchange.path} → ${exchange.status}`).toEqual([]);
}

function matches(template: string, path: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(path);
}

function schemaProblems(schema: object, value: unknown, what: string): string[] {
  const validate = ajv.compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${what}${error.instancePath} ${error.message}: ${JSON.stringify(value)}`);
}

/**
 * A route table's methods (and whether each is part of the REST contract), and the methods its
 * document lists, both as `{path, method}`: what a route-table test holds against each other.
 */
export function servedAndDocumented(table: typeof routes, document: { paths?: object }) {
  const served = table.flatMap(({ path, methods }) =>
    Object.entries(methods).map(([method, { operation }]) => ({ path, method, documented: operation !== null })),
  );
  const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.keys(item ?? {})
      .filter((key) => ["get", "head", "post", "put", "patch", "delete"].includes(key))
      .map((method) => ({ path, method: method.toUpperCase() })),
  );
  return { served, documented };
}

import { fileURLToPath } from "node:url";
import { compileErrors, dereference, validate } from "@readme/openapi-parser";
import type { OpenAPIV3, OpenAPIV3_1 } from "openapi-types";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEmptyDatabase } from "@enroll/db/testing";
import { startApp, type RunningApp } from "../support/app.ts";
import { servedDocument } from "../support/openapi.ts";

type Schema = OpenAPIV3.SchemaObject | OpenAPIV3_1.SchemaObject;
type Operation = OpenAPIV3.OperationObject | OpenAPIV3_1.OperationObject;

let app: RunningApp;
let served: OpenAPIV3_1.Document;
let reference: OpenAPIV3.Document;

beforeAll(async () => {
  app = await startApp(await createEmptyDatabase(inject("postgresUrl")));
  served = await servedDocument(app.url);
  reference = (await dereference(referencePath)) as OpenAPIV3.Document;
});
afterAll(() => app?.stop());

/** Hanko's published contract for `POST /users`, kept beside this test so that any clone can run it. */
const referencePath = fileURLToPath(new URL("reference/hanko-users.openapi.yaml", import.meta.url));

const createUserIn = (document: { paths?: object }) =>
  (document.paths as Record<string, Record<string, Operation & { responses: object }>>)["/users"]!.post!;

function bodySchema(content: Record<string, { schema?: unknown }> | undefined): Schema {
  return content!["application/json"]!.schema as Schema;
}

/** A schema with its `allOf` parts folded in, as the reference wraps each ID in one. */
function flatten(schema: Schema): Schema {
  const { allOf, ...rest } = schema as Schema & { allOf?: Schema[] };
  return Object.assign({}, ...(allOf ?? []).map(flatten), rest);
}

const sameFormat = (format: string | undefined) => (format === "uuid4" ? "uuid" : format);

/**
 * Where `served` falls short of `reference`: another type or format (a uuid4 is a uuid), or a
 * property or required key of the reference that it lacks. Ours may say more, never less.
 */
function incompatibilities(served: Schema, reference: Schema, at: string): string[] {
  const ours = flatten(served);
  const theirs = flatten(reference);
  const problems: string[] = [];
  if (theirs.type !== undefined && ours.type !== theirs.type) problems.push(`${at}: type ${ours.type} ≠ ${theirs.type}`);
  if (theirs.format !== undefined && sameFormat(ours.format) !== sameFormat(theirs.format)) {
    problems.push(`${at}: format ${ours.format} ≠ ${theirs.format}`);
  }
  for (const key of theirs.required ?? []) {
    if (!ours.required?.includes(key)) problems.push(`${at}: ${key} is not required`);
  }
  for (const [key, property] of Object.entries(theirs.properties ?? {})) {
    const own = ours.properties?.[key];
    if (!own) problems.push(`${at}: no property ${key}`);
    else problems.push(...incompatibilities(own as Schema, property as Schema, `${at}.${key}`));
  }
  return problems;
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI document", async () => {
    const document = await fetch(`${app.url}/openapi.json`).then((response) => response.json());

    const result = await validate(document);

    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it("names its server relative to where it is served, whatever Host or X-Forwarded-Host say", async () => {
    expect(served.servers).toEqual([{ url: "/", description: expect.any(String) }]);

    const plain = await fetch(`${app.url}/openapi.json`).then((response) => response.text());
    const headers = { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" };
    const asked = await fetch(`${app.url}/openapi.json`, { headers }).then((response) => response.text());
    expect(asked).not.toContain("evil.example");
    expect(asked).toBe(plain);
  });

  it("describes POST /users as the reference does", () => {
    const ours = createUserIn(served);
    const theirs = createUserIn(reference);

    expect(ours).toMatchObject({
      operationId: theirs.operationId,
      tags: theirs.tags,
      summary: theirs.summary,
      deprecated: true,
    });
    expect(ours.description).toMatch(/^Used to create a new user\. To disable this endpoint, /);
  });

  it("answers every status of the reference, and the 413, 415, 422, 429 and 503 that the REST door adds", () => {
    const ours = Object.keys(createUserIn(served).responses);

    expect(ours).toEqual(expect.arrayContaining(Object.keys(createUserIn(reference).responses)));
    expect(ours.sort()).toEqual(["200", "400", "403", "409", "413", "415", "422", "429", "500", "503"]);
  });

  it("lists POST alone on /users, and says in its description that every other method gets 405", () => {
    expect(Object.keys(served.paths!["/users"]!)).toEqual(["post"]);
    expect(createUserIn(served).description).toContain(
      'Any other method on `/users` answers `405` with the header `Allow: POST` and the body `{"code":405,"message":"Method Not Allowed"}`.',
    );
  });

  it("takes the request body that the reference takes", () => {
    const ours = createUserIn(served).requestBody as OpenAPIV3_1.RequestBodyObject;
    const theirs = createUserIn(reference).requestBody as OpenAPIV3.RequestBodyObject;

    expect(incompatibilities(bodySchema(ours.content), bodySchema(theirs.content), "request")).toEqual([]);
  });

  it("answers with the bodies of the reference", () => {
    const ours = createUserIn(served).responses as Record<string, OpenAPIV3_1.ResponseObject>;
    const theirs = createUserIn(reference).responses as Record<string, OpenAPIV3.ResponseObject>;

    const problems = Object.entries(theirs).flatMap(([status, response]) =>
      incompatibilities(bodySchema(ours[status]!.content), bodySchema(response.content), status),
    );
    expect(problems).toEqual([]);
  });

  it("marks id as the deprecated twin of user_id and documents X-Request-Id", () => {
    const success = (createUserIn(served).responses as Record<string, OpenAPIV3_1.ResponseObject>)["200"]!;
    const body = bodySchema(success.content);

    expect(body.properties).toMatchObject({
      id: { type: "string", format: "uuid", deprecated: true },
      user_id: { type: "string", format: "uuid" },
      email_id: { type: "string", format: "uuid" },
    });
    expect(success.headers).toMatchObject({ "X-Request-Id": { required: true, schema: { type: "string" } } });
  });
});

describe("the session API in /openapi.json", () => {
  it("has the reference contract's security schemes: the hanko cookie and a bearer JWT", () => {
    expect(served.components?.securitySchemes).toEqual({
      CookieAuth: expect.objectContaining({ type: "apiKey", in: "cookie", name: "hanko" }),
      BearerTokenAuth: expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" }),
    });
  });

  it("documents /me, /users/{id} and /logout behind either scheme, and /.well-known/jwks.json open to all", () => {
    const paths = served.paths as Record<string, Record<string, OpenAPIV3_1.OperationObject>>;
    const either = [{ CookieAuth: [] }, { BearerTokenAuth: [] }];

    expect(paths["/me"]!.get!.security).toEqual(either);
    expect(paths["/users/{id}"]!.get!.security).toEqual(either);
    expect(paths["/logout"]!.post!.security).toEqual(either);
    expect(paths["/.well-known/jwks.json"]!.get!.security).toBeUndefined();
    expect(Object.keys(paths["/users/{id}"]!.get!.responses!)).toEqual(expect.arrayContaining(["200", "401", "403"]));
  });

  it("documents the session headers of a sign-up's 200", () => {
    const success = (createUserIn(served).responses as Record<string, OpenAPIV3_1.ResponseObject>)["200"]!;

    expect(Object.keys(success.headers ?? {})).toEqual(expect.arrayContaining(["Set-Cookie", "X-Auth-Token", "X-Session-Lifetime"]));
  });
});

import { createDocument, type ZodOpenApiObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { createUserResponse, errorBody } from "@enroll/validators";
import type { Route } from "../http/route.ts";
import { HEALTH_TAG, PASSCODE_TAG, SESSION_TAG, TAG, WELL_KNOWN_TAG } from "./operations.ts";

/** What a document says beside its paths: its title and description, tags, shared schemas, how it is authenticated. */
export type DocumentIntro = Pick<ZodOpenApiObject, "info" | "security" | "tags"> & { components: NonNullable<ZodOpenApiObject["components"]> };

/** The public listener's: the sign-up, passcodes, sessions, the well-known configuration and probes. */
export const PUBLIC_API: DocumentIntro = {
  info: {
    title: "Enroll API",
    version: "1.0.0",
    description:
      "Self-hosted user sign-up and sign-in by email passcode, drop-in compatible with the Hanko Public API's " +
      "`POST /users`, its passcode login and the routes Hanko's elements call. " +
      "Every error answers with `{code, message}`: the HTTP status and a plain sentence.",
  },
  security: [],
  tags: [{ name: TAG }, { name: PASSCODE_TAG }, { name: SESSION_TAG }, { name: WELL_KNOWN_TAG }, { name: HEALTH_TAG }],
  components: {
    schemas: { CreateUserResponseObject: createUserResponse, Error: errorBody },
    securitySchemes: {
      CookieAuth: { type: "apiKey", in: "cookie", name: "hanko", description: "The session token in the `hanko` cookie" },
      BearerTokenAuth: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description: "The session token in `Authorization: Bearer <JWT>`",
      },
    },
  },
};

/**
 * The OpenAPI document of a listener's REST API (`intro`, and the methods of its route table),
 * generated from the Zod schemas that validate requests and shape answers. Its server is relative
 * (`/`: the host that served the document), never taken from a request's `Host` or
 * `X-Forwarded-Host`, which anyone can set to make the document (and a cache in front of it)
 * point elsewhere.
 */
/** The OpenAPI document of `routes`, made the first time it is asked for and kept. */
export function lazyDocument(routes: readonly Route[], intro: DocumentIntro): () => ReturnType<typeof openApiDocument> {
  let document: ReturnType<typeof openApiDocument> | undefined;
  return () => (document ??= openApiDocument(routes, intro));
}

export function openApiDocument(routes: readonly Route[], intro: DocumentIntro) {
  return createDocument({
    openapi: "3.1.0",
    info: intro.info,
    servers: [{ url: "/", description: "The app that serves this document" }],
    security: intro.security,
    tags: intro.tags,
    paths: pathsOf(routes),
    components: intro.components,
  });
}

/** The documented methods of each route, as OpenAPI paths (a method whose operation is null is not part of the REST contract). */
function pathsOf(routes: readonly Route[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const { path, methods } of routes) {
    for (const [method, { operation }] of Object.entries(methods)) {
      if (operation) paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
    }
  }
  return paths;
}

import { jsonResponse } from "../http/exchange.ts";
import type { Route } from "../http/route.ts";
import { lazyDocument, PUBLIC_API } from "../openapi/document.ts";
import {
  aliveOperation,
  createUserOperation,
  getUserOperation,
  headersOnly,
  jwksOperation,
  logoutOperation,
  meOperation,
  passcodeFinalizeOperation,
  passcodeInitializeOperation,
  publicConfigOperation,
  readyOperation,
  userLookUpOperation,
} from "../openapi/operations.ts";
import { getAlive, getReady } from "../rest/health.ts";
import { getJwks, getMe, getUser, postLogout } from "../rest/sessions.ts";
import { getPublicConfig, postPasscodeFinalize, postPasscodeInitialize, postUserLookUp } from "../rest/sign-in.ts";
import { postUsers } from "../rest/users.ts";
import { TRPC_ENDPOINT, trpcDoor, trpcMethodRefusal } from "../trpc/door.ts";
import { appRouter } from "../trpc/root.ts";

const trpc = trpcDoor(appRouter);

/**
 * Every route Enroll answers, each declared once: the server routes by this table (any other path
 * is a page, for Next.js), answers a method a route does not list with `405` and `Allow`, applies
 * CORS to the public ones, and `/openapi.json` is built from it.
 */
export const routes: readonly Route[] = [
  { path: "/users", public: true, methods: { POST: { handle: postUsers, operation: createUserOperation } } },
  {
    path: "/health/alive",
    public: true,
    methods: { GET: { handle: getAlive, operation: aliveOperation }, HEAD: { handle: getAlive, operation: headersOnly(aliveOperation) } },
  },
  {
    path: "/health/ready",
    public: true,
    methods: { GET: { handle: getReady, operation: readyOperation }, HEAD: { handle: getReady, operation: headersOnly(readyOperation) } },
  },
  { path: "/users/{id}", public: true, methods: { GET: { handle: getUser, operation: getUserOperation } } },
  { path: "/me", public: true, methods: { GET: { handle: getMe, operation: meOperation } } },
  { path: "/logout", public: true, actsOnSessionCookie: true, methods: { POST: { handle: postLogout, operation: logoutOperation } } },
  { path: "/.well-known/jwks.json", public: true, methods: { GET: { handle: getJwks, operation: jwksOperation } } },
  { path: "/.well-known/config", public: true, methods: { GET: { handle: getPublicConfig, operation: publicConfigOperation } } },
  { path: "/user", public: true, methods: { POST: { handle: postUserLookUp, operation: userLookUpOperation } } },
  {
    path: "/passcode/login/initialize",
    public: true,
    methods: { POST: { handle: postPasscodeInitialize, operation: passcodeInitializeOperation } },
  },
  {
    path: "/passcode/login/finalize",
    public: true,
    methods: { POST: { handle: postPasscodeFinalize, operation: passcodeFinalizeOperation } },
  },
  {
    // tRPC's clients are typed from AppRouter, not from the OpenAPI document.
    path: `${TRPC_ENDPOINT}/{procedure}`,
    public: true,
    methods: { GET: { handle: trpc, operation: null }, HEAD: { handle: trpc, operation: null }, POST: { handle: trpc, operation: null } },
    refuseMethod: trpcMethodRefusal(appRouter),
  },
  { path: "/openapi.json", public: false, methods: { GET: { handle: async () => jsonResponse(200, apiDocument()), operation: null } } },
];

/** The OpenAPI document of the routes above, made once. */
export const apiDocument = lazyDocument(routes, PUBLIC_API);

import { authRouter } from "./routers/auth.ts";
import { usersRouter } from "./routers/users.ts";
import { createCallerFactory, createTRPCRouter } from "./init.ts";

export const appRouter = createTRPCRouter({
  users: usersRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

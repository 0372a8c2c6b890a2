import { publicConfig } from "@enroll/validators";
import { publicConfigOf } from "../users/sign-in.ts";
import { authRouter } from "./routers/auth.ts";
import { mailboxRouter } from "./routers/mailbox.ts";
import { passcodeRouter } from "./routers/passcode.ts";
import { usersRouter } from "./routers/users.ts";
import { createCallerFactory, createTRPCRouter, publicProcedure } from "./init.ts";

export const appRouter = createTRPCRouter({
  users: usersRouter,
  auth: authRouter,
  passcode: passcodeRouter,
  mailbox: mailboxRouter,
  /** `GET /.well-known/config`. */
  config: publicProcedure.output(publicConfig).query(({ ctx }) => publicConfigOf(ctx.services.config)),
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);

import type { TRPCRouterRecord } from "@trpc/server";
import { createUserInput, createUserResponse } from "@enroll/validators";
import { limitSignUp } from "../limits/rate-limit.ts";
import { assertSignUpAllowed, createUser } from "../services/create-user.ts";
import { publicProcedure } from "../trpc.ts";

export const usersRouter = {
  create: publicProcedure
    // Checked before the input, as `POST /users` checks them before reading the body; each call of
    // a batch counts as one sign-up.
    .use(async ({ ctx, next }) => {
      await limitSignUp(ctx);
      assertSignUpAllowed(ctx.config);
      return next();
    })
    .input(createUserInput)
    .output(createUserResponse)
    .mutation(({ ctx, input }) => createUser(ctx, input)),
} satisfies TRPCRouterRecord;

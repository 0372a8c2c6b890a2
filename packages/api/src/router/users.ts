import type { TRPCRouterRecord } from "@trpc/server";
import { createUserInput, createUserResponse } from "@enroll/validators";
import { assertSignUpAllowed, createUser } from "../services/create-user.ts";
import { publicProcedure } from "../trpc.ts";

export const usersRouter = {
  create: publicProcedure
    // Checked before the input, as `POST /users` checks it before reading the body.
    .use(({ ctx, next }) => {
      assertSignUpAllowed(ctx.config);
      return next();
    })
    .input(createUserInput)
    .output(createUserResponse)
    .mutation(({ ctx, input }) => createUser(ctx, input)),
} satisfies TRPCRouterRecord;

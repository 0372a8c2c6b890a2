import type { TRPCRouterRecord } from "@trpc/server";
import { createUserInput, createUserResponse } from "@enroll/validators";
import { rateLimitHeaders, signUpHeaders } from "../../http/sign-up-answer.ts";
import { admitSignUp, createUser } from "../../users/sign-up.ts";
import { publicProcedure } from "../init.ts";

export const usersRouter = {
  create: publicProcedure
    // Admitted before the input is read, as `POST /users` admits before reading the body.
    .use(async ({ ctx, next }) => {
      const state = await admitSignUp(ctx.services, ctx.request?.requester);
      if (ctx.request) Object.assign(ctx.request.responseHeaders, rateLimitHeaders(state));
      return next();
    })
    .input(createUserInput)
    .output(createUserResponse)
    .mutation(async ({ ctx: { services, request }, input }) => {
      const result = await createUser(services, {
        email: input.email,
        idempotencyKey: request?.header("idempotency-key"),
        requester: request?.requester,
      });
      if (request) Object.assign(request.responseHeaders, signUpHeaders(result, services.config.session));
      return result.user;
    }),
} satisfies TRPCRouterRecord;

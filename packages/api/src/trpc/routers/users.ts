import type { TRPCRouterRecord } from "@trpc/server";
import { createUserInput, createUserResponse } from "@enroll/validators";
import { rateLimitHeaders, signUpHeaders } from "../../http/sign-up-answer.ts";
import { admitSignUp, countSignUp, createUser } from "../../users/sign-up.ts";
import { publicProcedure } from "../init.ts";

export const usersRouter = {
  create: publicProcedure
    // Admitted before the input is read, as `POST /users` admits before reading the body.
    .use(async ({ ctx, next }) => {
      try {
        const state = await admitSignUp(ctx.services, ctx.request?.requester);
        if (ctx.request) Object.assign(ctx.request.responseHeaders, rateLimitHeaders(state));
      } catch (failure) {
        countSignUp(ctx.services, { failure });
        throw failure;
      }
      const result = await next();
      // Its success is counted by the mutation, which knows whether it was a replay.
      if (!result.ok) countSignUp(ctx.services, { failure: result.error.cause ?? result.error });
      return result;
    })
    .input(createUserInput)
    .output(createUserResponse)
    .mutation(async ({ ctx: { services, request }, input }) => {
      const result = await createUser(services, {
        email: input.email,
        idempotencyKey: request?.header("idempotency-key"),
        requester: request?.requester,
      });
      countSignUp(services, { result });
      if (request) Object.assign(request.responseHeaders, signUpHeaders(result, services.config.session));
      return result.user;
    }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";
import { createUserInput, createUserResponse, userInfo } from "@enroll/validators";
import type { RateLimitState } from "../../errors.ts";
import type { Services } from "../../http/services.ts";
import { rateLimitHeaders, signUpHeaders } from "../../http/sign-up-answer.ts";
import type { Requester } from "../../requester.ts";
import { admitLookUp, lookUpUser } from "../../users/sign-in.ts";
import { admitSignUp, countSignUp, createUser } from "../../users/sign-up.ts";
import { publicProcedure } from "../init.ts";

/**
 * A procedure admitted by `admit` before its input is read, as `POST /users` and `POST /user` admit
 * before reading the body; where the client stands against its limit goes with the answer.
 * `countFailure` is told of every failure, the admission's and the procedure's (the metrics).
 */
const admittedBy = (
  admit: (services: Services, requester: Requester | undefined) => Promise<RateLimitState | undefined>,
  countFailure: (services: Services, failure: unknown) => void = () => {},
) =>
  publicProcedure.use(async ({ ctx, next }) => {
    try {
      const state = await admit(ctx.services, ctx.request?.requester);
      if (ctx.request) Object.assign(ctx.request.responseHeaders, rateLimitHeaders(state));
    } catch (failure) {
      countFailure(ctx.services, failure);
      throw failure;
    }
    const result = await next();
    if (!result.ok) countFailure(ctx.services, result.error.cause ?? result.error);
    return result;
  });

export const usersRouter = {
  // Its success is counted by the mutation, which knows whether it was a replay.
  create: admittedBy(admitSignUp, (services, failure) => countSignUp(services, { failure }))
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
  /** `POST /user`: who owns an address; NOT_FOUND when no user does. Counted with the sign-ups. */
  lookup: admittedBy(admitLookUp)
    .input(createUserInput)
    .output(userInfo)
    .mutation(({ ctx, input }) => lookUpUser(ctx.services, input.email)),
} satisfies TRPCRouterRecord;

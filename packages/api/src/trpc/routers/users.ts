import type { TRPCRouterRecord } from "@trpc/server";
import { createUserInput, createUserResponse, userInfo } from "@enroll/validators";
import { rateLimitHeaders, signUpHeaders } from "../../http/sign-up-answer.ts";
import { admitLookUp, lookUpUser } from "../../users/sign-in.ts";
import { admitSignUp, createUser } from "../../users/sign-up.ts";
import type { RateLimitState } from "../../errors.ts";
import type { Services } from "../../http/services.ts";
import type { Requester } from "../../requester.ts";
import { publicProcedure } from "../init.ts";

/**
 * A procedure admitted by `admit` before its input is read, as `POST /users` and `POST /user` admit
 * before reading the body; where the client stands against its limit goes with the answer.
 */
const admittedBy = (admit: (services: Services, requester: Requester | undefined) => Promise<RateLimitState | undefined>) =>
  publicProcedure.use(async ({ ctx, next }) => {
    const state = await admit(ctx.services, ctx.request?.requester);
    if (ctx.request) Object.assign(ctx.request.responseHeaders, rateLimitHeaders(state));
    return next();
  });

export const usersRouter = {
  create: admittedBy(admitSignUp)
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
  /** `POST /user`: who owns an address; NOT_FOUND when no user does. Counted with the sign-ups. */
  lookup: admittedBy(admitLookUp)
    .input(createUserInput)
    .output(userInfo)
    .mutation(({ ctx, input }) => lookUpUser(ctx.services, input.email)),
} satisfies TRPCRouterRecord;

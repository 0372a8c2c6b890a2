import type { TRPCRouterRecord } from "@trpc/server";
import { passcodeAnswer, passcodeFinalizeInput, passcodeInitializeInput } from "@enroll/validators";
import { rateLimitHeaders, sessionHeaders } from "../../http/sign-up-answer.ts";
import { finalizePasscode, initializePasscode } from "../../users/sign-in.ts";
import { publicProcedure } from "../init.ts";

/** `POST /passcode/login/initialize` and `/finalize`, as procedures: the same rules, errors and headers. */
export const passcodeRouter = {
  initialize: publicProcedure
    .input(passcodeInitializeInput)
    .output(passcodeAnswer)
    .mutation(async ({ ctx: { services, request }, input }) => {
      const { passcode, limit } = await initializePasscode(services, {
        userId: input.user_id,
        emailId: input.email_id,
        requester: request?.requester,
        acceptLanguage: request?.header("accept-language"),
      });
      if (request) Object.assign(request.responseHeaders, rateLimitHeaders(limit));
      return passcode;
    }),
  finalize: publicProcedure
    .input(passcodeFinalizeInput)
    .output(passcodeAnswer)
    .mutation(async ({ ctx: { services, request }, input }) => {
      const { passcode, session } = await finalizePasscode(services, { id: input.id, code: input.code, requester: request?.requester });
      if (request) Object.assign(request.responseHeaders, sessionHeaders(session, services.config.session));
      return passcode;
    }),
} satisfies TRPCRouterRecord;

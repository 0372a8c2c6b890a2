import type { TRPCRouterRecord } from "@trpc/server";
import { signedInUser } from "@enroll/validators";
import { sessionCookie, sessionTokenOf } from "../../http/cookies.ts";
import { currentUser, signOut } from "../../sessions/sessions.ts";
import { publicProcedure, sessionCookieProcedure, type TrpcContext } from "../init.ts";

const tokenOf = ({ services, request }: TrpcContext) => request && sessionTokenOf(request.header, services.config.session);

/** The session a sign-up started, as `GET /me` and `POST /logout` use it; no session is `UNAUTHORIZED`. */
export const authRouter = {
  me: publicProcedure.output(signedInUser).query(({ ctx }) => currentUser(ctx.services, tokenOf(ctx))),
  logout: sessionCookieProcedure.mutation(async ({ ctx }) => {
    await signOut(ctx.services, tokenOf(ctx));
    ctx.request!.responseHeaders["Set-Cookie"] = [sessionCookie(ctx.services.config.session, "", 0)];
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";
import { signedInUser } from "@enroll/validators";
import { currentUser, signOut } from "../sessions/sessions.ts";
import { publicProcedure } from "../trpc.ts";

/** The session a sign-up started, as `GET /me` and `POST /logout` use it; no session is `UNAUTHORIZED`. */
export const authRouter = {
  me: publicProcedure.output(signedInUser).query(({ ctx }) => currentUser(ctx)),
  logout: publicProcedure.mutation(({ ctx }) => signOut(ctx)),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";
import { openMailbox } from "../../email/mailbox.ts";
import { publicProcedure } from "../init.ts";

/** The mailbox's messages, for its page: NOT_FOUND where there is no mailbox, FORBIDDEN from another machine where it is local only. */
export const mailboxRouter = {
  messages: publicProcedure.query(({ ctx }) => openMailbox(ctx.services, ctx.request?.requester.address)),
} satisfies TRPCRouterRecord;

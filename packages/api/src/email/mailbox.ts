import type { Database } from "@enroll/db";
import { isLoopback, type Config } from "../config/index.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";

/** A message in the mailbox, as its page shows it. */
export interface MailboxMessage {
  id: string;
  to: string;
  subject: string;
  body: string;
  sentAt: string;
  expiresAt: string;
}

/** How many messages the mailbox shows, newest first. */
const MAILBOX_SIZE = 50;

/**
 * The mailbox: the messages Enroll keeps instead of sending them (EMAIL_MAILBOX_ENABLED, or the
 * zero-configuration run), those whose code still works, newest first. Each leaves it as it expires.
 */
async function mailboxMessages(db: Database): Promise<MailboxMessage[]> {
  const rows = await db.emailDelivery.findMany({
    where: { expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    take: MAILBOX_SIZE,
  });
  return rows.map((row) => ({
    id: row.id,
    to: row.toAddress,
    subject: row.subject,
    body: row.bodyPlain,
    sentAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  }));
}

/**
 * The mailbox for a client at `clientAddress`: NotFoundError where there is none (emails are sent,
 * or none are written), ForbiddenError for a client on another machine unless the mailbox was
 * opened to them on purpose (EMAIL_MAILBOX_ENABLED=true): it shows every passcode, so anyone who
 * can read it can sign in as anyone.
 */
export async function openMailbox(
  { db, config }: { db: Database; config: Pick<Config, "emailDelivery"> },
  clientAddress: string | undefined,
): Promise<MailboxMessage[]> {
  const { via, mailboxLocalOnly } = config.emailDelivery;
  if (via !== "mailbox") throw new NotFoundError();
  if (mailboxLocalOnly && (clientAddress === undefined || !isLoopback(clientAddress))) throw new ForbiddenError();
  return mailboxMessages(db);
}

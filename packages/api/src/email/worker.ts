import nodemailer from "nodemailer";
import type { Database } from "@enroll/db";
import type { Config } from "../config/index.ts";
import { retryDelayMs, startDeliveryLoop, type AttemptOutcome, type DeliveryLoop } from "../delivery-loop.ts";
import { log } from "../log.ts";
import { claimDueEmails, recordEmailOutcomes, type DueEmail } from "./outbox.ts";

/** How often the outbox is looked at when nothing woke the loop: picks up retries that fall due and other instances' messages. */
const POLL_INTERVAL_MS = 1_000;

/** How long a woken loop waits before it claims, to take the messages written around it in the same batch. */
const WAKE_DELAY_MS = 20;

/** Messages one instance sends at once. */
const MAX_IN_FLIGHT = 8;

/** An SMTP server that has not connected, greeted or answered within these has failed this attempt (nodemailer's own defaults are minutes). */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** wake: a message was just committed, look at the outbox at once; stop: claim nothing more, let the messages in flight finish. */
export type EmailWorker = DeliveryLoop;

interface EmailWorkerOptions {
  db: Database;
  smtp: NonNullable<Config["emailDelivery"]["smtp"]>;
  from: { address: string; name: string };
}

/**
 * Sends the email outbox (outbox.ts) through the SMTP server of EMAIL_DELIVERY_SMTP_*, beside the
 * server, with nodemailer: TLS from the start on port 465, and elsewhere STARTTLS whenever the
 * server offers it (nodemailer's default). A message that fails (refused, timed out, a 4xx or 5xx
 * answer) is tried again after 1 s, then twice as long each time, for as long as its code works;
 * then it is given up, logged, and deleted. Rows are leased to the instance that claims them, so
 * several instances share the work; what is pending when an instance stops or dies stays in the
 * table for the next one.
 */
export function startEmailWorker({ db, smtp, from }: EmailWorkerOptions): EmailWorker {
  const { host, port, user, password } = smtp;
  const transport = nodemailer.createTransport({
    host,
    port,
    secure: port === 465,
    auth: user === undefined ? undefined : { user, pass: password ?? "" },
    ...SMTP_TIMEOUTS,
  });

  async function attemptBatch(due: DueEmail[]): Promise<void> {
    const outcomes = await Promise.all(
      due.map(async (email): Promise<AttemptOutcome> => {
        const failure = await send(email).catch((error: unknown) => describe(error));
        const retryInMs = failure === undefined ? null : retryDelayMs(email.attempts);
        const retries = retryInMs !== null && Date.now() + retryInMs < email.expires_at.getTime();
        return { id: email.id, attempts: email.attempts, failure, retryInMs: retries ? retryInMs : null };
      }),
    );
    try {
      await recordEmailOutcomes(db, outcomes);
    } catch (error) {
      // The leases run out and the messages are sent again: at least once, never lost.
      log.error({ err: error, emails: due.length }, "Could not record email attempts; they will be attempted again");
      return;
    }
    due.forEach((email, index) => {
      const { failure, retryInMs } = outcomes[index]!;
      // The message's id only: its address is the user's, and its subject holds the code.
      const context = { email: email.id, attempt: email.attempts };
      if (failure === undefined) log.debug(context, "Email sent");
      else if (retryInMs === null) log.error({ ...context, failure }, `Email given up after ${email.attempts} attempts, its passcode expiring: ${failure}`);
      else log.warn({ ...context, failure, retryInMs }, `Email attempt failed (${failure}); retrying in ${retryInMs / 1000} s`);
    });
  }

  async function send(email: DueEmail): Promise<undefined> {
    await transport.sendMail({
      from: { address: from.address, name: from.name },
      to: email.to_address,
      subject: email.subject,
      text: email.body_plain,
      html: email.body_html,
    });
    return undefined;
  }

  return startDeliveryLoop({
    outbox: "the email outbox",
    claim: (limit) => claimDueEmails(db, limit),
    attempt: attemptBatch,
    close: async () => transport.close(),
    maxInFlight: MAX_IN_FLIGHT,
    pollIntervalMs: POLL_INTERVAL_MS,
    wakeDelayMs: WAKE_DELAY_MS,
  });
}

/** What went wrong with an attempt, in a few words: nodemailer's code and the server's answer or the socket's error. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, responseCode } = error as Error & { code?: string; responseCode?: number };
  const reason = error.message.split("\n", 1)[0]!.slice(0, 300);
  const kind = [code, responseCode].filter(Boolean).join(" ");
  return kind ? `${kind}: ${reason}` : reason;
}

import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One message as the server received it. */
export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Whether it came over TLS (STARTTLS here). */
  secure: boolean;
}

export interface SmtpTestServer {
  host: string;
  port: number;
  /** Every message accepted so far. */
  received: ReceivedMail[];
  /** Resolves with the `count`-th message to `to` once it is accepted; rejects after `deadlineMs`. */
  waitForMail(to: string, count?: number, deadlineMs?: number): Promise<ReceivedMail>;
  /** From now on, answer every message with 451 (try again later) until accept(). */
  refuse(): void;
  accept(): void;
  /** The app's settings that send through this server. */
  settings: Record<string, string>;
  close(): Promise<void>;
}

interface SmtpTestServerOptions {
  /** Require AUTH with these; without, anyone may send. */
  auth?: { user: string; password: string };
  /** Offer STARTTLS with this key and certificate; without, the server offers no TLS. */
  tls?: { key: string; cert: string };
  /** Listen on this port (a server started again where another was); any free one by default. */
  port?: number;
}

/**
 * A real SMTP server on loopback (the smtp-server library, each message parsed with mailparser), as
 * the app's mail goes out to one: it records every message it accepts.
 */
export async function startSmtpServer({ auth, tls, port = 0 }: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    logger: false,
    authOptional: auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: auth === undefined ? ["AUTH"] : [],
    hideSTARTTLS: tls === undefined,
    ...(tls ?? {}),
    onAuth({ username, password }, _session, done) {
      if (auth && username === auth.user && password === auth.password) done(null, { user: username });
      else done(new Error("Invalid username or password"));
    },
    onData(stream, session, done) {
      simpleParser(stream)
        .then((mail) => {
          if (refusing) return done(Object.assign(new Error("Try again later"), { responseCode: 451 }));
          received.push({
            from: mail.from?.value[0]?.address,
            to: session.envelope.rcptTo.map(({ address }) => address),
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            html: typeof mail.html === "string" ? mail.html : "",
            secure: session.secure,
          });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port: address.port,
    received,
    async waitForMail(to, count = 1, deadlineMs = 30_000) {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const mails = received.filter((mail) => mail.to.includes(to));
        if (mails.length >= count) return mails[count - 1]!;
        if (Date.now() > deadline) throw new Error(`${mails.length} of ${count} emails to ${to} arrived within ${deadlineMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    refuse: () => (refusing = true),
    accept: () => (refusing = false),
    settings: {
      EMAIL_DELIVERY_SMTP_HOST: "127.0.0.1",
      EMAIL_DELIVERY_SMTP_PORT: String(address.port),
      EMAIL_DELIVERY_FROM_ADDRESS: "passcodes@enroll.test",
      ...(auth ? { EMAIL_DELIVERY_SMTP_USER: auth.user, EMAIL_DELIVERY_SMTP_PASSWORD: auth.password } : {}),
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The six-digit code a passcode email carries (in its body, between its two sentences). */
export function passcodeIn(mail: Pick<ReceivedMail, "text">): string {
  const code = /^(\d{6})$/m.exec(mail.text)?.[1];
  if (!code) throw new Error(`No passcode in: ${mail.text}`);
  return code;
}

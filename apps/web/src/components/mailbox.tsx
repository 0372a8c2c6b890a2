"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";

/** How often the mailbox looks for new emails, in milliseconds. */
const REFRESH_MS = 2_000;

/** The emails waiting in the mailbox, newest first, each as it would arrive; a new one appears within two seconds. */
export function Mailbox() {
  const trpc = useTRPC();
  const messages = useQuery({ ...trpc.mailbox.messages.queryOptions(), retry: false, refetchInterval: REFRESH_MS });
  return (
    <>
      <h1>Mailbox</h1>
      <p className="lead">
        No mail server is set up, so Enroll keeps its emails here instead of sending them. Each one stays until its
        code expires. Set <code>EMAIL_DELIVERY_SMTP_HOST</code> to send them.
      </p>
      {messages.error ? (
        <p className="problem" role="alert">
          {messages.error.data?.code === "FORBIDDEN"
            ? "The mailbox opens only on the machine Enroll runs on."
            : "The mailbox could not be read. Please try again in a moment."}
        </p>
      ) : messages.data?.length === 0 ? (
        <p>No emails yet. Sign up or sign in, and the code arrives here.</p>
      ) : (
        // Announced as it grows, so that a screen-reader user hears the email arrive.
        <div aria-live="polite">
          {messages.data?.map((message) => (
            <article key={message.id} className="mail" aria-labelledby={`mail-${message.id}`}>
              <h2 id={`mail-${message.id}`}>{message.subject}</h2>
              <p className="meta">
                To {message.to}, <time dateTime={message.sentAt}>{new Date(message.sentAt).toLocaleTimeString()}</time>
              </p>
              <pre>{message.body}</pre>
            </article>
          ))}
        </div>
      )}
      <p>
        <a href="/">Back to sign-up and sign-in</a>
      </p>
    </>
  );
}

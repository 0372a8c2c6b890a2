"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TRPCClientErrorLike } from "@trpc/client";
import type { AppRouter } from "@enroll/api";
import {
  createUserInput,
  EMAIL_INVALID,
  passcodeFinalizeInput,
  type CreateUserResponse,
  type PasscodeAnswer,
  type SignedInUser,
} from "@enroll/validators";
import { useTRPC } from "@/trpc/react";

type ServerError = TRPCClientErrorLike<AppRouter>;

interface Problem {
  sentence: string;
  /** Whether the field itself is at fault (marks it invalid), rather than the service. */
  aboutField: boolean;
}

/** The schema's messages are lower-case phrases, as the REST API answers them. */
function asSentence(phrase: string): string {
  return `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`;
}

/** Seconds until another try is allowed, as the server says with a refusal for too many. */
function retryAfterOf(error: ServerError): number | undefined {
  return error.data?.code === "TOO_MANY_REQUESTS" ? ((error.data as { retryAfter?: number }).retryAfter ?? 60) : undefined;
}

const SOMETHING_WENT_WRONG: Problem = { sentence: "Something went wrong. Please try again in a moment.", aboutField: false };

/** What a person reads for each way the server can refuse an address. */
function addressProblemFrom(error: ServerError): Problem {
  switch (error.data?.code) {
    case "CONFLICT":
      return { sentence: "This email address is already registered.", aboutField: true };
    case "BAD_REQUEST":
      return { sentence: asSentence(error.message), aboutField: true };
    case "FORBIDDEN":
      return { sentence: "Sign-up is closed at the moment.", aboutField: false };
    case "TOO_MANY_REQUESTS":
      return { sentence: `Too many tries from here. Please try again in ${retryAfterOf(error)} seconds.`, aboutField: false };
    default:
      return SOMETHING_WENT_WRONG;
  }
}

/** What a person reads for each way the server can refuse a code; `used up` when the code can no longer work. */
function codeProblemFrom(error: ServerError): Problem & { usedUp: boolean } {
  switch (error.data?.code) {
    case "BAD_REQUEST":
      return { sentence: "Enter the 6 digits from the email.", aboutField: true, usedUp: false };
    case "UNAUTHORIZED":
      return error.message === "passcode is incorrect"
        ? { sentence: "That code is not right. Check the email and try again.", aboutField: true, usedUp: false }
        : { sentence: "This code no longer works. Send yourself a new one.", aboutField: false, usedUp: true };
    case "TIMEOUT":
      return { sentence: "This code has expired. Send yourself a new one.", aboutField: false, usedUp: true };
    case "NOT_FOUND":
      return { sentence: "That was the third wrong code, so this one no longer works. Send yourself a new one.", aboutField: false, usedUp: true };
    case "FORBIDDEN":
      return { sentence: "This address now belongs to another account.", aboutField: false, usedUp: true };
    default:
      return { ...SOMETHING_WENT_WRONG, usedUp: false };
  }
}

/** A stable ref callback, so React calls it once when the element mounts. */
function focusOnMount(element: HTMLElement | null) {
  element?.focus();
}

/** Where a code was sent, and for whom: the step between the address and being signed in. */
interface CodeSent {
  email: string;
  userId: string;
  emailId: string;
  passcode: PasscodeAnswer;
  /** The account this visit created, when it did. */
  created: CreateUserResponse | undefined;
}

interface SignUpProps {
  /** ACCOUNT_ALLOW_SIGNUP, known before anyone types. */
  open: boolean;
  /** EMAIL_REQUIRE_VERIFICATION: a new account's address is verified with a code before it signs in. */
  requireVerification: boolean;
  /** Whether emails are kept in the app's mailbox (no mail server), which the code step then links to. */
  mailbox: boolean;
}

/** The card's content: sign up or sign in with an email address and a code sent to it. */
export function SignUp({ open, requireVerification, mailbox }: SignUpProps) {
  if (!open) return <Closed />;
  return <SignUpOrSignIn requireVerification={requireVerification} mailbox={mailbox} />;
}

function Closed() {
  return (
    <>
      <h1>Sign-up is closed</h1>
      <p className="lead">This service is not taking new accounts at the moment. Please come back later.</p>
    </>
  );
}

/** Says what just happened to screen-reader users, from one live region that stays on the page. */
type Announce = (sentence: string) => void;

function SignUpOrSignIn({ requireVerification, mailbox }: Omit<SignUpProps, "open">) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Whose session this browser holds, if any (the session cookie is HttpOnly, so only the server
  // can say). Until it answers, and when it refuses, the form shows.
  const me = useQuery({ ...trpc.auth.me.queryOptions(), retry: false });
  const [codeSent, setCodeSent] = useState<CodeSent>();
  /** The account signed up and signed in at once (no verification), or verified with a code: the ids go behind Details. */
  const [welcomed, setWelcomed] = useState<{ email: string; account: CreateUserResponse | undefined }>();
  // After "Sign out" the form comes back focused, ready for the next address.
  const [signedOut, setSignedOut] = useState(false);
  const [announcement, announce] = useState("");
  const refreshSession = () => queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
  const signOut = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: async () => {
        await queryClient.resetQueries({ queryKey: trpc.auth.me.queryKey() });
        setWelcomed(undefined);
        setCodeSent(undefined);
        setSignedOut(true);
      },
    }),
  );

  async function welcome(email: string, account: CreateUserResponse | undefined) {
    await refreshSession();
    setWelcomed({ email, account });
    announce(account ? "Your account is ready." : "You are signed in.");
  }

  return (
    <>
      {welcomed ? (
        <Welcome email={welcomed.email} account={welcomed.account} signedIn={me.data} onSignOut={() => signOut.mutate()} />
      ) : me.data ? (
        <SignedIn user={me.data} onSignOut={() => signOut.mutate()} />
      ) : codeSent ? (
        <CodeStep
          sent={codeSent}
          mailbox={mailbox}
          announce={announce}
          onResent={(passcode) => setCodeSent({ ...codeSent, passcode })}
          onSignedIn={() => welcome(codeSent.email, codeSent.created)}
          onOtherAddress={() => setCodeSent(undefined)}
        />
      ) : (
        <AddressStep
          requireVerification={requireVerification}
          focused={signedOut}
          announce={announce}
          onCodeSent={(sent) => {
            setCodeSent(sent);
            announce(`We sent a code to ${sent.email}.`);
          }}
          onSignedUp={welcome}
        />
      )}
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </>
  );
}

/** The address, and what it leads to: a code sent to a known address, or a new account. */
function AddressStep({
  requireVerification,
  focused,
  announce,
  onCodeSent,
  onSignedUp,
}: {
  requireVerification: boolean;
  focused: boolean;
  announce: Announce;
  onCodeSent: (sent: CodeSent) => void;
  onSignedUp: (email: string, account: CreateUserResponse) => Promise<void>;
}) {
  const trpc = useTRPC();
  const lookUp = useMutation(trpc.users.lookup.mutationOptions());
  const create = useMutation(trpc.users.create.mutationOptions());
  const sendCode = useMutation(trpc.passcode.initialize.mutationOptions());
  const [problem, setProblem] = useState<Problem>();
  const [pending, setPendingStep] = useState<keyof typeof PENDING_WORDS>();
  const emailField = useRef<HTMLInputElement>(null);

  function setPending(step: keyof typeof PENDING_WORDS | undefined) {
    setPendingStep(step);
    announce(step ? PENDING_WORDS[step] : "");
  }

  function refuse(found: Problem) {
    setProblem(found);
    setPending(undefined);
    emailField.current?.focus();
  }

  async function proceed(email: string) {
    setPending("checking");
    const known = await lookUp.mutateAsync({ email }).catch((error: ServerError) => {
      if (error.data?.code !== "NOT_FOUND") throw error;
      return undefined;
    });
    if (known) {
      setPending("sending");
      const passcode = await sendCode.mutateAsync({ user_id: known.id, email_id: known.email_id });
      return onCodeSent({ email, userId: known.id, emailId: known.email_id, passcode, created: undefined });
    }
    setPending("creating");
    const account = await create.mutateAsync({ email });
    if (!requireVerification) return onSignedUp(email, account);
    setPending("sending");
    const passcode = await sendCode.mutateAsync({ user_id: account.user_id, email_id: account.email_id });
    onCodeSent({ email, userId: account.user_id, emailId: account.email_id, passcode, created: account });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = createUserInput.safeParse({ email: new FormData(event.currentTarget).get("email") });
    if (!parsed.success) return refuse({ sentence: asSentence(parsed.error.issues[0]?.message ?? EMAIL_INVALID), aboutField: true });
    setProblem(undefined);
    proceed(parsed.data.email).catch((error: ServerError) => refuse(addressProblemFrom(error)));
  }

  return (
    <>
      <h1>Sign up or sign in</h1>
      <p className="lead">One email address is all it takes: new here, we create your account; back again, we send you a code.</p>
      <form onSubmit={onSubmit} noValidate aria-busy={pending !== undefined}>
        <label htmlFor="email">Email address</label>
        <input
          ref={emailField}
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          autoFocus={focused}
          placeholder="you@example.com"
          required
          aria-invalid={problem?.aboutField || undefined}
          aria-describedby="email-problem"
          // Read-only rather than disabled while sending: the field keeps focus, and can take it back on error.
          readOnly={pending !== undefined}
          onChange={() => setProblem(undefined)}
        />
        <p id="email-problem" className="problem" role="alert">
          {problem?.sentence}
        </p>
        <button type="submit" disabled={pending !== undefined}>
          {pending && <span className="spinner" aria-hidden="true" />}
          {pending ? PENDING_WORDS[pending] : "Continue"}
        </button>
      </form>
    </>
  );
}

/** What the address step's button and live region say while it waits on the server. */
const PENDING_WORDS = { checking: "Checking your address…", creating: "Creating your account…", sending: "Sending your code…" };

/** The code sent to the address: one field (a pasted or autofilled code works), resent on demand. */
function CodeStep({
  sent,
  mailbox,
  announce,
  onResent,
  onSignedIn,
  onOtherAddress,
}: {
  sent: CodeSent;
  mailbox: boolean;
  announce: Announce;
  onResent: (passcode: PasscodeAnswer) => void;
  onSignedIn: () => Promise<void>;
  onOtherAddress: () => void;
}) {
  const trpc = useTRPC();
  const finalize = useMutation(trpc.passcode.finalize.mutationOptions());
  const resend = useMutation(trpc.passcode.initialize.mutationOptions());
  const [problem, setProblem] = useState<Problem & { usedUp: boolean }>();
  const [waitSeconds, setWaitSeconds] = useState(0);
  const codeField = useRef<HTMLInputElement>(null);
  const resendButton = useRef<HTMLButtonElement>(null);

  // After a refusal, focus goes where the next step is: the field, or, for a code that can no
  // longer work, the button that asks for another (once the form is no longer busy).
  useEffect(() => {
    if (problem) (problem.usedUp ? resendButton : codeField).current?.focus();
  }, [problem]);

  // The resend countdown: one second at a time, down to zero.
  useEffect(() => {
    if (waitSeconds <= 0) return;
    const tick = setTimeout(() => setWaitSeconds(waitSeconds - 1), 1000);
    return () => clearTimeout(tick);
  }, [waitSeconds]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Spaces and dashes are how codes are often pasted or read out; they are not part of it.
    const code = String(new FormData(event.currentTarget).get("code") ?? "").replace(/[\s-]/g, "");
    const parsed = passcodeFinalizeInput.safeParse({ id: sent.passcode.id, code });
    if (!parsed.success) {
      setProblem({ sentence: "Enter the 6 digits from the email.", aboutField: true, usedUp: false });
      return;
    }
    setProblem(undefined);
    announce("Signing you in…");
    finalize.mutate(parsed.data, {
      onSuccess: () => onSignedIn(),
      onError: (error) => {
        setProblem(codeProblemFrom(error));
        announce("");
        if (codeField.current) codeField.current.value = "";
      },
    });
  }

  function onResend() {
    setProblem(undefined);
    resend.mutate(
      { user_id: sent.userId, email_id: sent.emailId },
      {
        onSuccess: (passcode) => {
          onResent(passcode);
          announce(`We sent a new code to ${sent.email}.`);
          codeField.current?.focus();
        },
        onError: (error) => {
          const retryAfter = retryAfterOf(error);
          if (retryAfter === undefined) return setProblem({ ...SOMETHING_WENT_WRONG, usedUp: false });
          setWaitSeconds(retryAfter);
          announce(`You can ask for a new code in ${retryAfter} seconds.`);
        },
      },
    );
  }

  const busy = finalize.isPending || finalize.isSuccess;
  return (
    <>
      {/* The code field takes focus: what to do next; the live region says where the code went. */}
      <h1>Check your email</h1>
      <p className="lead">
        {sent.created ? "Your account is created. To finish, enter" : "Enter"} the code we sent to <strong>{sent.email}</strong>.
        {mailbox && (
          <>
            {" "}
            No mail server is set up here: the email is in the{" "}
            <a href="/mailbox" target="_blank" rel="noopener">
              mailbox
            </a>
            .
          </>
        )}
      </p>
      <form onSubmit={onSubmit} noValidate aria-busy={busy}>
        <label htmlFor="code">Code</label>
        <input
          ref={codeField}
          id="code"
          name="code"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          autoFocus
          spellCheck={false}
          maxLength={12}
          placeholder="123456"
          required
          aria-invalid={problem?.aboutField || undefined}
          aria-describedby="code-problem"
          readOnly={busy}
          onChange={() => setProblem(undefined)}
        />
        <p id="code-problem" className="problem" role="alert">
          {problem?.sentence}
        </p>
        <button type="submit" disabled={busy}>
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? "Signing you in…" : "Sign in"}
        </button>
      </form>
      <div className="actions">
        <button ref={resendButton} type="button" className="secondary" onClick={onResend} disabled={resend.isPending || waitSeconds > 0 || busy}>
          {waitSeconds > 0 ? `Send a new code in ${waitSeconds} s` : resend.isPending ? "Sending a new code…" : "Send a new code"}
        </button>
        <button type="button" className="link" onClick={onOtherAddress} disabled={busy}>
          Use another address
        </button>
      </div>
    </>
  );
}

/** Who this browser is signed in as, and the way out, which leads back to the form. */
function SignedInAs({ user, onSignOut }: { user: SignedInUser | undefined; onSignOut: () => void }) {
  return (
    <>
      {user && (
        <p className="signed-in">
          Signed in as <strong>{user.email}</strong>
        </p>
      )}
      <button type="button" className="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </>
  );
}

/** A later visit while the session lives. */
function SignedIn({ user, onSignOut }: { user: SignedInUser; onSignOut: () => void }) {
  return (
    <>
      <h1>You are signed in</h1>
      <p className="lead">Your account is ready. Sign out to use another address.</p>
      <SignedInAs user={user} onSignOut={onSignOut} />
    </>
  );
}

/** Signed in on this visit: a new account (with its ids behind Details), or a returning one. */
function Welcome({
  email,
  account,
  signedIn,
  onSignOut,
}: {
  email: string;
  account: CreateUserResponse | undefined;
  signedIn: SignedInUser | undefined;
  onSignOut: () => void;
}) {
  return (
    <>
      {/* Focused so that keyboard and screen-reader users land on the outcome, not on the page's start. */}
      <h1 tabIndex={-1} ref={focusOnMount}>
        {account ? "Welcome aboard" : "Welcome back"}
      </h1>
      <p className="lead">
        {account ? (
          <>
            The account for <strong>{email}</strong> is ready. You can close this page, or sign out to use another address.
          </>
        ) : (
          <>
            You are signed in with <strong>{email}</strong>. You can close this page, or sign out to use another address.
          </>
        )}
      </p>
      <SignedInAs user={signedIn} onSignOut={onSignOut} />
      {/* For whoever wires Enroll into another system; a person signing up needs none of it. */}
      {account && (
        <details className="details">
          <summary>Details</summary>
          <dl className="ids">
            <IdRow label="User ID" id={account.user_id} />
            <IdRow label="Email ID" id={account.email_id} />
          </dl>
        </details>
      )}
    </>
  );
}

function IdRow({ label, id }: { label: string; id: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <code>{id}</code>
        <button
          type="button"
          className="copy"
          onClick={() => navigator.clipboard.writeText(id).then(() => setCopied(true))}
        >
          {copied ? "Copied" : "Copy"}
          {/* Heard, not seen: which id the button copies, and that it did. */}
          <span className="visually-hidden"> {label}</span>
        </button>
      </dd>
    </>
  );
}

"use client";

import { useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TRPCClientErrorLike } from "@trpc/client";
import type { AppRouter } from "@enroll/api";
import { createUserInput, EMAIL_INVALID, type CreateUserResponse, type SignedInUser } from "@enroll/validators";
import { useTRPC } from "@/trpc/react";

interface Problem {
  sentence: string;
  /** Whether the address itself is at fault (marks the field invalid), rather than the service. */
  aboutAddress: boolean;
}

/** What a person reads for each way the server can say no. */
function problemFrom(error: TRPCClientErrorLike<AppRouter>): Problem {
  switch (error.data?.code) {
    case "CONFLICT":
      return { sentence: "This email address is already registered.", aboutAddress: true };
    case "BAD_REQUEST":
      return { sentence: asSentence(error.message), aboutAddress: true };
    case "FORBIDDEN":
      return { sentence: "Sign-up is closed at the moment.", aboutAddress: false };
    default:
      return { sentence: "Something went wrong. Please try again in a moment.", aboutAddress: false };
  }
}

/** The schema's messages are lower-case phrases, as the REST API answers them. */
function asSentence(phrase: string): string {
  return `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`;
}

/** A stable ref callback, so React calls it once when the element mounts. */
function focusOnMount(element: HTMLElement | null) {
  element?.focus();
}

/** The sign-up card's content; `open` is the server's ACCOUNT_ALLOW_SIGNUP, known before anyone types. */
export function SignUp({ open }: { open: boolean }) {
  if (!open) return <Closed />;
  return <SignUpForm />;
}

function Closed() {
  return (
    <>
      <h1>Sign-up is closed</h1>
      <p className="lead">This service is not taking new accounts at the moment. Please come back later.</p>
    </>
  );
}

function SignUpForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Whose session this browser holds, if any: a sign-up leaves it signed in (the session cookie is
  // HttpOnly, so only the server can say). Until it answers, and when it refuses, the form shows.
  const me = useQuery({ ...trpc.auth.me.queryOptions(), retry: false });
  const signUp = useMutation(
    trpc.users.create.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() }) }),
  );
  const signOut = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: async () => {
        await queryClient.resetQueries({ queryKey: trpc.auth.me.queryKey() });
        setSigningUpAnother(true);
        signUp.reset();
      },
    }),
  );
  const [invalidInput, setInvalidInput] = useState<string>();
  // After "Sign up another address" the form comes back focused, ready for the next address.
  const [signingUpAnother, setSigningUpAnother] = useState(false);
  const emailField = useRef<HTMLInputElement>(null);

  const problem: Problem | undefined = invalidInput
    ? { sentence: invalidInput, aboutAddress: true }
    : signUp.error
      ? problemFrom(signUp.error)
      : undefined;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = createUserInput.safeParse({ email: new FormData(event.currentTarget).get("email") });
    if (parsed.success) {
      setInvalidInput(undefined);
      signUp.mutate(parsed.data, { onError: () => emailField.current?.focus() });
    } else {
      signUp.reset();
      setInvalidInput(asSentence(parsed.error.issues[0]?.message ?? EMAIL_INVALID));
      emailField.current?.focus();
    }
  }

  function onEdit() {
    setInvalidInput(undefined);
    if (signUp.isError) signUp.reset();
  }

  return (
    <>
      {signUp.isSuccess ? (
        <Welcome
          account={signUp.data}
          email={signUp.variables.email}
          signedIn={me.data}
          onSignOut={() => signOut.mutate()}
        />
      ) : me.data ? (
        <SignedIn user={me.data} onSignOut={() => signOut.mutate()} />
      ) : (
        <>
          <h1>Create your account</h1>
          <p className="lead">One email address is all it takes.</p>
          <form onSubmit={onSubmit} noValidate aria-busy={signUp.isPending}>
            <label htmlFor="email">Email address</label>
            <input
              ref={emailField}
              id="email"
              name="email"
              type="email"
              autoComplete="email"
              autoFocus={signingUpAnother}
              placeholder="you@example.com"
              required
              aria-invalid={problem?.aboutAddress || undefined}
              aria-describedby="email-problem"
              // Read-only rather than disabled while sending: the field keeps focus, and can take it back on error.
              readOnly={signUp.isPending}
              onChange={onEdit}
            />
            <p id="email-problem" className="problem" role="alert">
              {problem?.sentence}
            </p>
            <button type="submit" disabled={signUp.isPending}>
              {signUp.isPending && <span className="spinner" aria-hidden="true" />}
              {signUp.isPending ? "Creating your account…" : "Create account"}
            </button>
          </form>
        </>
      )}
      <p role="status" className="visually-hidden">
        {signUp.isPending ? "Creating your account…" : signUp.isSuccess ? "Your account is ready." : ""}
      </p>
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

/** A later visit while the session a sign-up started still lives. */
function SignedIn({ user, onSignOut }: { user: SignedInUser; onSignOut: () => void }) {
  return (
    <>
      <h1>You are signed in</h1>
      <p className="lead">Your account is ready. Sign out to sign up another address.</p>
      <SignedInAs user={user} onSignOut={onSignOut} />
    </>
  );
}

function Welcome({
  account,
  email,
  signedIn,
  onSignOut,
}: {
  account: CreateUserResponse;
  email: string;
  signedIn: SignedInUser | undefined;
  onSignOut: () => void;
}) {
  return (
    <>
      {/* Focused so that keyboard and screen-reader users land on the outcome, not on the page's start. */}
      <h1 tabIndex={-1} ref={focusOnMount}>
        Welcome aboard
      </h1>
      <p className="lead">
        The account for <strong>{email}</strong> is ready. You can close this page, or sign out to sign up another
        address.
      </p>
      <SignedInAs user={signedIn} onSignOut={onSignOut} />
      {/* For whoever wires Enroll into another system; a person signing up needs none of it. */}
      <details className="details">
        <summary>Details</summary>
        <dl className="ids">
          <IdRow label="User ID" id={account.user_id} />
          <IdRow label="Email ID" id={account.email_id} />
        </dl>
      </details>
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

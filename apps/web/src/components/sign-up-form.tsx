"use client";

import { useRef, useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { createUserInput } from "@enroll/validators";
import type { AppRouter } from "@enroll/api";
import { useTRPC } from "@/trpc/react";

/** What a person reads for each way the server can say no. */
function sentenceFor(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const { data, message } = error as TRPCClientError<AppRouter>;
    switch (data?.code) {
      case "CONFLICT":
        return "This email address is already registered.";
      case "FORBIDDEN":
        return "Sign-up is closed at the moment.";
      case "BAD_REQUEST":
        return capitalise(message);
    }
  }
  return "Something went wrong on our side. Please try again.";
}

function capitalise(sentence: string): string {
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

export function SignUpForm() {
  const trpc = useTRPC();
  const signUp = useMutation(trpc.users.create.mutationOptions());
  const [fieldError, setFieldError] = useState<string>();
  const emailField = useRef<HTMLInputElement>(null);

  const error = fieldError ?? (signUp.isError ? sentenceFor(signUp.error) : undefined);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = createUserInput.safeParse({ email: new FormData(event.currentTarget).get("email") });
    if (!parsed.success) {
      setFieldError(capitalise(parsed.error.issues[0]?.message ?? "email must be a valid email address"));
      signUp.reset();
      emailField.current?.focus();
      return;
    }
    setFieldError(undefined);
    signUp.mutate(parsed.data, { onError: () => emailField.current?.focus() });
  }

  if (signUp.isSuccess) {
    return (
      <section className="result" aria-live="polite">
        <h2>Welcome aboard</h2>
        <p>Your account is ready.</p>
        <dl>
          <dt>User ID</dt>
          <dd data-testid="user-id">{signUp.data.user_id}</dd>
          <dt>Email ID</dt>
          <dd data-testid="email-id">{signUp.data.email_id}</dd>
        </dl>
        <button type="button" className="secondary" onClick={() => signUp.reset()}>
          Sign up someone else
        </button>
      </section>
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={signUp.isPending}>
      <label htmlFor="email">Email address</label>
      <input
        ref={emailField}
        id="email"
        name="email"
        type="email"
        autoComplete="email"
        inputMode="email"
        placeholder="you@example.com"
        required
        aria-invalid={error ? true : undefined}
        aria-describedby="email-error"
        disabled={signUp.isPending}
        onChange={() => setFieldError(undefined)}
      />
      <p id="email-error" className="error" role="alert" aria-live="assertive">
        {error}
      </p>
      <button type="submit" disabled={signUp.isPending}>
        {signUp.isPending ? "Creating your account…" : "Create account"}
      </button>
    </form>
  );
}

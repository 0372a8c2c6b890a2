import { z } from "zod";

export const EMAIL_REQUIRED = "email is a required field";
export const EMAIL_INVALID = "email must be a valid email address";
export const EMAIL_NOT_A_STRING = "email must be a string";
export const BODY_NOT_AN_OBJECT = "request body must be a JSON object";

/**
 * What the reference server accepts as an email address, plus RFC 5321's length limits: at most
 * 254 characters, 64 before the `@`. The local part may hold any non-ASCII letter but no space,
 * quote, angle bracket or other delimiter, and no leading, trailing or doubled dot. The domain has
 * at least two labels; the last one is letters only, so `user@localhost`, `a@b.c1` and `a@b.com.`
 * are refused. Control and format characters (`\p{Cc}`, `\p{Cf}`: NUL, zero-width joiners,
 * right-to-left overrides) and unpaired surrogates (`\p{Cs}`) are refused anywhere: they make
 * addresses that look alike but differ, and PostgreSQL cannot store a NUL.
 */
export const EMAIL_PATTERN =
  /^(?=.{1,254}$)(?=[^@]{1,64}@)(?!\.)(?!.*\.\.)[^\s@"(),:;<>[\\\]\p{Cc}\p{Cf}\p{Cs}]+(?<!\.)@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}+$/u;

function emailProblem(issue: { input?: unknown; code?: string }): string {
  if (issue.input === undefined || issue.input === null || issue.input === "") return EMAIL_REQUIRED;
  return issue.code === "invalid_type" ? EMAIL_NOT_A_STRING : EMAIL_INVALID;
}

export const emailAddress = z
  .string({ error: emailProblem })
  // One spelling per address: composed (NFC) before it is checked, then lower-cased to be stored and
  // compared, as the reference server lower-cases it.
  .normalize("NFC")
  .check(z.email({ pattern: EMAIL_PATTERN, error: emailProblem }))
  .toLowerCase()
  .meta({ description: "The email address of the new user", examples: ["alice@example.com"] });

/** The body of `POST /users` and the input of the `users.create` procedure. Unknown keys are dropped. */
export const createUserInput = z.object({ email: emailAddress }, { error: BODY_NOT_AN_OBJECT });

export type CreateUserInput = z.input<typeof createUserInput>;
export type NewUserRequest = z.output<typeof createUserInput>;

export const createUserResponse = z.object({
  id: z.uuid().describe("Deprecated: the same as user_id").meta({ deprecated: true }),
  user_id: z.uuid().describe("The ID of the newly created user"),
  email_id: z.uuid().describe("The ID of the newly created email address"),
});

export type CreateUserResponse = z.infer<typeof createUserResponse>;

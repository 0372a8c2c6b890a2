import { z } from "zod";
import { BODY_NOT_AN_OBJECT } from "./create-user.ts";

/**
 * A field that must hold a UUID, with a sentence for each way it does not: missing (when
 * `required`), not a string, not a UUID. Any version, as the reference's `uuid` check.
 */
function uuidField(name: string, description: string) {
  const problem = (issue: { input?: unknown; code?: string }) => {
    if (issue.input === undefined || issue.input === null || issue.input === "") return `${name} is a required field`;
    return issue.code === "invalid_type" ? `${name} must be a string` : `${name} must be a valid UUID`;
  };
  return z.string({ error: problem }).check(z.uuid({ error: problem })).meta({ description });
}

/** The body of `POST /passcode/login/initialize` and the input of `passcode.initialize`. Unknown keys are dropped. */
export const passcodeInitializeInput = z.object(
  {
    user_id: uuidField("user_id", "The user the passcode is for"),
    email_id: uuidField("email_id", "The address to send it to: one of the user's, or one that no user owns yet; the user's primary address when left out")
      .optional(),
  },
  { error: BODY_NOT_AN_OBJECT },
);

export const PASSCODE_CODE_INVALID = "code must be the 6 digits of the passcode";

/** The body of `POST /passcode/login/finalize` and the input of `passcode.finalize`. */
export const passcodeFinalizeInput = z.object(
  {
    id: uuidField("id", "The passcode's id, as its initialize answered"),
    code: z
      .string({ error: (issue) => (issue.input === undefined ? "code is a required field" : "code must be a string") })
      .regex(/^\d{6}$/, { error: PASSCODE_CODE_INVALID })
      .meta({ description: "The six digits sent by email", examples: ["042917"] }),
  },
  { error: BODY_NOT_AN_OBJECT },
);

export type PasscodeInitializeInput = z.output<typeof passcodeInitializeInput>;
export type PasscodeFinalizeInput = z.output<typeof passcodeFinalizeInput>;

/** A passcode as both routes answer it, the reference's `PasscodeReturn`. */
export const passcodeAnswer = z.object({
  id: z.uuid().describe("The passcode's id, for its finalize"),
  ttl: z.int().describe("How many seconds the passcode works after it was made"),
  created_at: z.iso.datetime().describe("When it was made"),
});

export type PasscodeAnswer = z.infer<typeof passcodeAnswer>;

/** `POST /user`: who owns an address, as the reference's `UserInfoResponse`. */
export const userInfo = z.object({
  id: z.uuid().describe("The ID of the user who owns the address"),
  email_id: z.uuid().describe("The ID of the address"),
  verified: z.boolean().describe("Whether the address has been verified with a passcode"),
  has_webauthn_credential: z.boolean().describe("Always false: Enroll has no passkeys"),
});

export type UserInfo = z.infer<typeof userInfo>;

/** `GET /.well-known/config`: the settings a frontend needs, as the reference's `PublicConfig`. */
export const publicConfig = z.object({
  password: z.object({
    enabled: z.literal(false).describe("Enroll has no passwords"),
    min_password_length: z.int(),
  }),
  emails: z.object({
    require_verification: z.boolean().describe("EMAIL_REQUIRE_VERIFICATION"),
    max_num_of_addresses: z.int().describe("How many addresses a user may have: one"),
  }),
  providers: z.array(z.string()).describe("Third-party sign-in providers: none"),
  account: z.object({
    allow_deletion: z.literal(false).describe("Accounts cannot be deleted through the API"),
    allow_signup: z.boolean().describe("ACCOUNT_ALLOW_SIGNUP"),
  }),
  use_enterprise: z.literal(false).describe("No SAML providers"),
});

export type PublicConfig = z.infer<typeof publicConfig>;

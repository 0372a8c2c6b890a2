import { z } from "zod";
import { BODY_NOT_AN_OBJECT, emailAddress } from "./create-user.ts";

/** The admin API's shapes, as the reference's (its `dto/admin`): users with their addresses, audit entries, pages of them. */

const timestamp = z.iso.datetime();

export const adminEmail = z.object({
  id: z.uuid().describe("The ID of the email address"),
  address: z.string().describe("The address, lower-cased"),
  is_verified: z.boolean().describe("Whether the address has been verified"),
  is_primary: z.boolean().describe("Whether it is the user's primary address"),
  created_at: timestamp,
  updated_at: timestamp,
});

export const adminUser = z
  .object({
    id: z.uuid().describe("The ID of the user"),
    emails: z.array(adminEmail).describe("The user's addresses, oldest first"),
    webauthn_credentials: z.array(z.unknown()).max(0).describe("Always empty: Enroll registers no WebAuthn credentials"),
    created_at: timestamp.describe("When the user was created"),
    updated_at: timestamp.describe("When the user was last changed"),
  })
  .meta({ id: "AdminUser" });

export type AdminEmail = z.infer<typeof adminEmail>;
export type AdminUser = z.infer<typeof adminUser>;

/** The most addresses one new user may be given at once. */
export const MAX_NEW_USER_EMAILS = 10;

/** A date and time with a zone, as `name`. */
const time = (name: string) => z.iso.datetime({ offset: true, error: `${name} must be a date and time such as 2024-05-01T12:00:00Z` });

/** Times PostgreSQL and every client read alike: from 1970 to 9999, with a zone. */
const pastOrFutureTime = time("created_at").refine((text) => {
  const year = new Date(text).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}, "created_at must be between 1970 and 9999");

/** `POST /users` on the admin API: a user with its addresses, as the reference takes it; exactly one address is primary. */
export const adminCreateUserInput = z
  .object(
    {
      id: z.uuid({ error: "id must be a UUID" }).optional().describe("The new user's ID; a new one when left out"),
      emails: z
        .array(
          z.object(
            {
              address: emailAddress,
              is_primary: z.boolean({ error: "is_primary must be true or false" }).default(false),
              is_verified: z.boolean({ error: "is_verified must be true or false" }).default(false),
            },
            { error: "each of emails must be an object" },
          ),
          { error: "emails is a required field" },
        )
        .min(1, { error: "emails is a required field" })
        .max(MAX_NEW_USER_EMAILS, { error: `a user may be created with at most ${MAX_NEW_USER_EMAILS} emails` })
        .describe("The new user's addresses, exactly one of them primary"),
      created_at: pastOrFutureTime.optional().describe("When the user was created; now when left out"),
    },
    { error: BODY_NOT_AN_OBJECT },
  )
  .superRefine(({ emails }, context) => {
    const primaries = emails.filter(({ is_primary }) => is_primary).length;
    if (primaries === 0) context.addIssue({ code: "custom", message: "at least one primary email must be provided" });
    if (primaries > 1) context.addIssue({ code: "custom", message: "only one primary email is allowed" });
    if (new Set(emails.map(({ address }) => address)).size < emails.length) {
      context.addIssue({ code: "custom", message: "each address may be given only once" });
    }
  });

export type AdminCreateUserInput = z.input<typeof adminCreateUserInput>;
export type AdminNewUser = z.output<typeof adminCreateUserInput>;

export const auditLogEntry = z
  .object({
    id: z.uuid(),
    type: z.string().describe("What happened: `user_created`, `user_deleted`"),
    error: z.string().optional().describe("Why it failed, for an event that failed"),
    meta_http_request_id: z.string().describe("The `X-Request-Id` of the request that caused it"),
    meta_source_ip: z.string().describe("The client's address"),
    meta_user_agent: z.string().describe("The client's `User-Agent`, its first 255 characters"),
    actor_user_id: z.uuid().optional().describe("The user it is about"),
    actor_email: z.string().optional().describe("That user's primary address at the time"),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "AuditLog" });

export type AuditLogEntry = z.infer<typeof auditLogEntry>;

/** The most items one page holds; a larger `per_page` is taken as this. */
export const MAX_PER_PAGE = 100;

const wholeNumber = (name: string) =>
  z
    .string()
    .regex(/^0*[1-9]\d{0,8}$/, { error: `${name} must be a whole number from 1` })
    .transform(Number);

/** `page` and `per_page`, as the reference reads them: 1 and 20 by default; `per_page` at most MAX_PER_PAGE. */
export const pageQuery = {
  page: wholeNumber("page").optional().default(1).describe("The page to return, from 1"),
  per_page: wholeNumber("per_page")
    .transform((perPage) => Math.min(perPage, MAX_PER_PAGE))
    .optional()
    .default(20)
    .describe(`How many items a page holds; at most ${MAX_PER_PAGE}`),
};

/** A text to look for, at most as long as an address. */
const fragment = (name: string) => z.string().max(254, { error: `${name} must be at most 254 characters` });

export const userListQuery = z.object({
  ...pageQuery,
  email: fragment("email").optional().describe("Only users with an address that contains this (any letter case)"),
  user_id: z
    .string()
    .transform((list) => list.split(","))
    .pipe(z.array(z.uuid({ error: "user_id must be a comma-separated list of UUIDs" })).max(MAX_PER_PAGE))
    .optional()
    .describe("Only the users with these IDs, comma-separated"),
  sort_direction: z
    .enum(["desc", "asc"], { error: "sort_direction must be desc or asc" })
    .optional()
    .default("desc")
    .describe("By creation time: newest first (`desc`, the default) or oldest first"),
});

export type UserListQuery = z.output<typeof userListQuery>;

export const auditLogListQuery = z.object({
  ...pageQuery,
  type: z
    .array(z.string().regex(/^[a-z_]{1,64}$/, { error: "type must be an audit log type such as user_created" }))
    .max(32)
    .optional()
    .describe("Only entries of these types (repeat it for more than one)"),
  actor_user_id: z
    .string()
    .regex(/^[0-9a-fA-F-]{1,36}$/, { error: "actor_user_id must be a UUID or a part of one" })
    .optional()
    .describe("Only entries whose user's ID contains this"),
  actor_email: fragment("actor_email").optional().describe("Only entries whose address contains this"),
  meta_source_ip: z
    .string()
    .regex(/^[0-9a-fA-F:.]{1,45}$/, { error: "meta_source_ip must be an IP address or a part of one" })
    .optional()
    .describe("Only entries whose client address contains this"),
  q: fragment("q").optional().describe("Only entries whose address, client address or user ID contains this"),
  start_time: time("start_time").optional().describe("Only entries written after this time"),
  end_time: time("end_time").optional().describe("Only entries written before this time"),
});

export type AuditLogListQuery = z.output<typeof auditLogListQuery>;

/** `GET /stats/sign_ups`: how many users were created on each of the last `days` days (UTC), oldest first. */
export const signUpsPerDayQuery = z.object({
  days: wholeNumber("days")
    .refine((days) => days <= 366, { error: "days must be at most 366" })
    .optional()
    .default(30)
    .describe("How many days back, today included"),
});

export const signUpsPerDay = z.array(
  z.object({ day: z.iso.date().describe("The day, in UTC"), count: z.int().min(0).describe("Users created that day") }),
);

export type SignUpsPerDay = z.infer<typeof signUpsPerDay>;

/** What both commands share: how to use them, and where they write. */

export const USAGE = `Usage: enroll create <email> [--via rest|trpc] [--url <app url>]
       enroll users list [--email <part>] [--page <n>] [--per-page <n>]
       enroll users get <id>
       enroll users create <email> [<email>...] [--verified]
       enroll users delete <id>

create signs a user up through Enroll's REST API (POST /users, the default) or its tRPC API (users.create).
  --via   rest or trpc (default: rest)
  --url   where the Enroll app runs (default: $ENROLL_URL, else http://localhost:3000)

users manages users through the admin API: lists them newest first (by part of an address), shows,
creates (the first address primary) or deletes one.
  --admin-url  where the admin API runs (default: $ENROLL_ADMIN_URL, else http://localhost:3001)
  --admin-key  its key, when ADMIN_API_KEY is set (default: $ENROLL_ADMIN_KEY)
  --json       print the admin API's JSON as it is`;

/** Where the command writes: `console` in a terminal. */
export interface Terminal {
  log(text: string): void;
  error(text: string): void;
}

/** A wrong command line: what is wrong, then how to use it; exit code 2. */
export function misused(terminal: Terminal, problem?: string): number {
  if (problem) terminal.error(problem);
  terminal.error(USAGE);
  return 2;
}

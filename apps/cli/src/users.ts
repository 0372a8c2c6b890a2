import { parseArgs } from "node:util";
import { adminUsers, type AdminOutcome, type AdminUser } from "./admin.ts";
import { misused, type Terminal } from "./usage.ts";
import { UnreachableError, type Refusal } from "./doors.ts";

const actions = ["list", "get", "create", "delete"] as const;
type Action = (typeof actions)[number];

/** What each action does, for its sentences: "Could not list users: …". */
const doing: Record<Action, string> = { list: "list users", get: "get the user", create: "create the user", delete: "delete the user" };

/**
 * `enroll users list|get|create|delete`: the admin API's users, through a client typed from its
 * document. Exit code 0 done, 1 refused or unreachable, 2 misused.
 */
export async function runUsers(args: string[], terminal: Terminal, env: Record<string, string | undefined>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "admin-url": { type: "string", default: env.ENROLL_ADMIN_URL || "http://localhost:3001" },
        "admin-key": { type: "string", default: env.ENROLL_ADMIN_KEY || undefined },
        email: { type: "string" },
        page: { type: "string" },
        "per-page": { type: "string" },
        verified: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return misused(terminal, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, ...operands] = positionals;
  if (!actions.includes(action as Action)) return misused(terminal);
  const count = { list: operands.length === 0, get: operands.length === 1, delete: operands.length === 1, create: operands.length >= 1 };
  if (!count[action as Action]) return misused(terminal);
  for (const name of ["page", "per-page"] as const) {
    const text = values[name];
    if (text !== undefined && !/^[1-9]\d{0,8}$/.test(text)) return misused(terminal, `--${name} must be a whole number from 1`);
  }
  const whole = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const paging = { page: whole(values.page), perPage: whole(values["per-page"]) };

  const users = adminUsers(values["admin-url"], values["admin-key"]);
  const print = (answer: unknown, text: () => string[]) => (values.json ? [JSON.stringify(answer, null, 2)] : text()).forEach((line) => terminal.log(line));
  try {
    switch (action as Action) {
      case "list": {
        const outcome = await users.list({ email: values.email, ...paging });
        return done(outcome, (page) => print(page.users, () => listed(page.users, page.total, paging)));
      }
      case "get":
        return done(await users.get(operands[0]!), (user) => print(user, () => described(user)));
      case "create": {
        const emails = operands.map((address, index) => ({ address, is_primary: index === 0, is_verified: values.verified }));
        return done(await users.create(emails), (user) => print(user, () => [`Created user ${user.id}.`, ...described(user).slice(1)]));
      }
      case "delete":
        return done(await users.delete(operands[0]!), () => terminal.log(`Deleted user ${operands[0]}.`));
    }
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    terminal.error(`Could not ${doing[action as Action]}: ${error.message}.`);
    return 1;
  }

  function done<T>(outcome: AdminOutcome<T>, show: (answer: T) => void): number {
    if ("refused" in outcome) {
      terminal.error(`Could not ${doing[action as Action]}: ${reasonFor(outcome.refused)}`);
      return 1;
    }
    show(outcome.answered);
    return 0;
  }
}

/** The users as a table, newest first as the API answers them, and where the page stands. */
function listed(users: AdminUser[], total: number, { page = 1, perPage = 20 }: { page?: number; perPage?: number }): string[] {
  const rows = users.map((user) => [user.id, primaryOf(user) ?? "-", user.created_at.slice(0, 19) + "Z"]);
  const width = Math.max(5, ...rows.map(([, address]) => address!.length));
  const line = ([id, address, created]: string[]) => `${id!.padEnd(36)}  ${address!.padEnd(width)}  ${created}`;
  const pages = Math.max(1, Math.ceil(total / Math.min(perPage, 100)));
  return [line(["ID", "EMAIL", "CREATED"]), ...rows.map(line), `Page ${page} of ${pages}: ${users.length} of ${total} users.`];
}

/** One user, its addresses below it. */
function described(user: AdminUser): string[] {
  return [
    `User ${user.id}`,
    `  created: ${user.created_at}`,
    `  updated: ${user.updated_at}`,
    ...user.emails.map(
      ({ address, is_primary, is_verified, id }) => `  ${address} (${is_primary ? "primary" : "secondary"}, ${is_verified ? "verified" : "not verified"}) ${id}`,
    ),
  ];
}

const primaryOf = (user: AdminUser) => user.emails.find(({ is_primary }) => is_primary)?.address;

/** The admin API's refusal in plain words; its own sentence where that is already one. */
function reasonFor({ code, message }: Refusal): string {
  switch (code) {
    case 401:
      return "the admin API needs its key: set ENROLL_ADMIN_KEY or --admin-key.";
    case 404:
      return "no user has this id.";
    case 400:
    case 409:
      return `${message}.`;
    default:
      return `the admin API answered ${code} ${message}.`;
  }
}

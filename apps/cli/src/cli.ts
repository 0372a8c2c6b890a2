import { parseArgs } from "node:util";
import { createViaRest, createViaTrpc, UnreachableError, type Refusal } from "./doors.ts";
import { misused, USAGE, type Terminal } from "./usage.ts";
import { runUsers } from "./users.ts";

export { USAGE } from "./usage.ts";

const doors = { rest: createViaRest, trpc: createViaTrpc };

/**
 * Runs one command line and returns its exit code: 0 done, 1 refused or failed, 2 misused.
 * `env` supplies ENROLL_URL, the app to talk to when `--url` is not given, and ENROLL_ADMIN_URL
 * and ENROLL_ADMIN_KEY, its admin API, for `users`.
 */
export async function runCli(
  args: string[],
  terminal: Terminal,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  if (args[0] === "users") return runUsers(args.slice(1), terminal, env);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        via: { type: "string", default: "rest" },
        url: { type: "string", default: env.ENROLL_URL || "http://localhost:3000" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return misused(terminal, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    terminal.log(USAGE);
    return 0;
  }
  const [command, email, ...rest] = positionals;
  if (command !== "create" || !email || rest.length > 0) return misused(terminal);
  if (values.via !== "rest" && values.via !== "trpc") return misused(terminal, `--via must be rest or trpc`);

  try {
    const outcome = await doors[values.via](values.url, email);
    if ("refused" in outcome) {
      terminal.error(`Could not create a user for ${email}: ${reasonFor(outcome.refused)}`);
      return 1;
    }
    terminal.log(`Created a user for ${email} (via ${values.via === "rest" ? "REST" : "tRPC"}).`);
    terminal.log(`  user_id:  ${outcome.created.user_id}`);
    terminal.log(`  email_id: ${outcome.created.email_id}`);
    return 0;
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    terminal.error(`Could not create a user for ${email}: ${error.message}.`);
    return 1;
  }
}

/** The server's refusal in plain words; its own sentence where that is already one. */
function reasonFor({ code, message }: Refusal): string {
  switch (code) {
    case 400:
      return `${message}.`;
    case 403:
      return "sign-up is disabled on this server.";
    case 409:
      return "this email address is already registered.";
    default:
      return `the server answered ${code} ${message}.`;
  }
}

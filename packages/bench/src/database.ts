import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createMigratedDatabase, startTestPostgres } from "@enroll/db/testing";
import type { SignUpLedger } from "./load.ts";

export interface BenchDatabase {
  url: string;
  /** PostgreSQL's own `version()`. */
  version: string;
  /** A connection of the benchmark's own, for the checks. */
  client: pg.Client;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database of its own: on the server that `serverUrl` names, else on a throw-away
 * embedded PostgreSQL (removed again on close).
 */
export async function openFreshDatabase(serverUrl: string | undefined): Promise<BenchDatabase> {
  const server = serverUrl ? { url: serverUrl, stop: async () => {} } : await startTestPostgres();
  const url = await createMigratedDatabase(server.url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ version: string }>("SELECT version()");
  return {
    url,
    version: rows[0]!.version,
    client,
    close: async () => {
      await client.end();
      await server.stop();
    },
  };
}

export interface RowCheck {
  /** Responses with 200. */
  created: number;
  /** Complete sign-ups (user, email owned by it, primary email) among the addresses of the cell. */
  signedUp: number;
  /** Of those, the ones whose address was answered with 200. */
  signedUpAndAnswered: number;
  /** Requests still in flight when the duration ended: their responses were never read. */
  unanswered: number;
  /**
   * Every 200 is exactly one complete sign-up, any other complete sign-up belongs to a request cut
   * off by the end of the duration, and the database holds no partial one.
   */
  consistent: boolean;
}

/** Compares the database with a cell's answers, once the servers have finished what was sent. */
export async function checkRows(client: pg.Client, ledger: SignUpLedger): Promise<RowCheck> {
  await untilIdle(client);
  const { rows } = await client.query<{ signed_up: number; signed_up_and_answered: number }>(
    `SELECT count(*)::int AS signed_up,
            (count(*) FILTER (WHERE e.address = ANY($2::text[])))::int AS signed_up_and_answered
       FROM emails e
       JOIN users u ON u.id = e.user_id
       JOIN primary_emails p ON p.email_id = e.id AND p.user_id = u.id
      WHERE starts_with(e.address, $1)`,
    [ledger.prefix, ledger.created],
  );
  const { rows: totals } = await client.query<{ users: number; emails: number; primary_emails: number }>(
    `SELECT (SELECT count(*) FROM users)::int AS users,
            (SELECT count(*) FROM emails)::int AS emails,
            (SELECT count(*) FROM primary_emails)::int AS primary_emails`,
  );
  const { signed_up: signedUp, signed_up_and_answered: signedUpAndAnswered } = rows[0]!;
  const { users, emails, primary_emails: primaryEmails } = totals[0]!;
  const created = ledger.created.length;
  const unanswered = ledger.sent - ledger.answered;
  return {
    created,
    signedUp,
    signedUpAndAnswered,
    unanswered,
    consistent:
      signedUpAndAnswered === created &&
      signedUp - signedUpAndAnswered <= unanswered &&
      users === emails &&
      emails === primaryEmails,
  };
}

/**
 * Waits until no other session works in this database for a few polls in a row: requests cut off
 * at the end of a cell may still be queued for a pooled connection, and still commit.
 */
async function untilIdle(client: pg.Client): Promise<void> {
  for (let quietPolls = 0; quietPolls < 3; ) {
    const { rows } = await client.query<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
        WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()`,
    );
    quietPolls = rows[0]!.busy === 0 ? quietPolls + 1 : 0;
    await sleep(50);
  }
}

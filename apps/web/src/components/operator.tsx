"use client";

import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AdminUser, ErrorBody, SignUpsPerDay } from "@enroll/validators";

/** Where this tab keeps the admin key once the operator has given it: for the tab's life only. */
const KEY_ITEM = "enroll-admin-key";
const PER_PAGE = 20;
const CHART_DAYS = 30;

/** The admin API refused, with its status and sentence. */
class Refused extends Error {
  readonly status: number;

  constructor({ code, message }: ErrorBody) {
    super(message);
    this.status = code;
  }
}

/** One call to the admin API of this listener, with the key when there is one. */
async function adminApi<T>(path: string, key: string | undefined, init: RequestInit = {}): Promise<{ body: T; headers: Headers }> {
  const response = await fetch(path, { ...init, headers: key ? { Authorization: `Bearer ${key}` } : {} });
  if (!response.ok) throw new Refused(await response.json().catch(() => ({ code: response.status, message: response.statusText })));
  return { body: (response.status === 204 ? undefined : await response.json()) as T, headers: response.headers };
}

const primaryOf = (user: AdminUser) => user.emails.find(({ is_primary }) => is_primary)?.address ?? user.emails[0]?.address ?? "";

/** `2026-11-29T03:16:46.123000Z` as `2026-11-29 03:16 UTC`. */
const shortTime = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 16)} UTC`;

/** What the operator reads for a refusal. */
function sentenceFor(error: Error): string {
  if (error instanceof Refused && error.status === 403) {
    return "The admin API refused this page: open it at the admin listener's own loopback address, e.g. http://127.0.0.1:3001/operator.";
  }
  return `The admin API answered: ${error.message}.`;
}

/** The admin key this tab holds, as an external store: sessionStorage exists only in the browser. */
const keyListeners = new Set<() => void>();
const storedKey = {
  subscribe(listener: () => void) {
    keyListeners.add(listener);
    return () => keyListeners.delete(listener);
  },
  read: () => sessionStorage.getItem(KEY_ITEM),
  /** On the server, and while hydrating: not known yet. */
  unknown: () => undefined,
  write(key: string | undefined) {
    if (key) sessionStorage.setItem(KEY_ITEM, key);
    else sessionStorage.removeItem(KEY_ITEM);
    keyListeners.forEach((listener) => listener());
  },
};

/** The operator page's content: the admin key when one is needed, then the chart and the users. */
export function Operator() {
  const key = useSyncExternalStore(storedKey.subscribe, storedKey.read, storedKey.unknown);
  if (key === undefined) return <h1>Users</h1>;
  return <Users apiKey={key ?? undefined} onKey={storedKey.write} />;
}

function Users({ apiKey, onKey }: { apiKey: string | undefined; onKey: (key: string | undefined) => void }) {
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const [doomed, setDoomed] = useState<AdminUser>();
  const [deleted, setDeleted] = useState<string>();

  const users = useQuery({
    queryKey: ["admin", "users", apiKey, search, page],
    queryFn: async () => {
      const query = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE), ...(search ? { email: search } : {}) });
      const { body, headers } = await adminApi<AdminUser[]>(`/users?${query}`, apiKey);
      return { users: body, total: Number(headers.get("x-total-count")) };
    },
    placeholderData: keepPreviousData,
    retry: false,
  });
  const perDay = useQuery({
    queryKey: ["admin", "sign-ups", apiKey],
    queryFn: async () => (await adminApi<SignUpsPerDay>(`/stats/sign_ups?days=${CHART_DAYS}`, apiKey)).body,
    retry: false,
  });
  const remove = useMutation({
    mutationFn: (user: AdminUser) => adminApi<void>(`/users/${user.id}`, apiKey, { method: "DELETE" }),
    onSuccess: (_answer, user) => {
      setDeleted(primaryOf(user));
      setDoomed(undefined);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["admin"] }),
  });

  const refusal = users.error ?? perDay.error;
  if (refusal instanceof Refused && refusal.status === 401) return <KeyForm wrong={apiKey !== undefined} onKey={onKey} />;

  const pages = Math.max(1, Math.ceil((users.data?.total ?? 0) / PER_PAGE));
  return (
    <>
      <h1>Users</h1>
      <p className="lead">
        {users.data ? `${users.data.total} ${users.data.total === 1 ? "user" : "users"}${search ? ` with “${search}”` : ""}, newest first.` : "Loading…"}
      </p>
      {perDay.data && <SignUpsChart days={perDay.data} />}
      <label htmlFor="search">Search by address</label>
      <input
        id="search"
        type="search"
        placeholder="alice@ or example.com"
        value={search}
        onChange={(event) => {
          setSearch(event.target.value);
          setPage(1);
        }}
      />
      <p className="problem" role="alert">
        {refusal ? sentenceFor(refusal) : remove.error ? `Could not delete: ${remove.error.message}.` : ""}
      </p>
      <p role="status" className="notice">
        {deleted ? `Deleted ${deleted}.` : ""}
      </p>
      {users.data && (
        <table className="users">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.users.map((user) => (
              <tr key={user.id}>
                <td>
                  <span className="address">{primaryOf(user)}</span>
                  <code className="id">{user.id}</code>
                </td>
                <td>{shortTime(user.created_at)}</td>
                <td>
                  <button type="button" className="secondary small" onClick={() => setDoomed(user)} aria-label={`Delete ${primaryOf(user)}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {users.data?.users.length === 0 && <p className="lead">No user matches.</p>}
      <nav className="pages" aria-label="Pages">
        <button type="button" className="secondary small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
          Previous
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button type="button" className="secondary small" disabled={page >= pages} onClick={() => setPage(page + 1)}>
          Next
        </button>
      </nav>
      {doomed && <ConfirmDelete user={doomed} pending={remove.isPending} onConfirm={() => remove.mutate(doomed)} onCancel={() => setDoomed(undefined)} />}
    </>
  );
}

/** Asks before a deletion, in a modal dialog: it cannot be undone. */
function ConfirmDelete({ user, pending, onConfirm, onCancel }: { user: AdminUser; pending: boolean; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onCancel={onCancel}>
      <h2 id="confirm-title">Delete {primaryOf(user)}?</h2>
      <p>
        The user, all their addresses and sessions are deleted at once, and <code>user.delete</code> is sent to the webhooks. This cannot be
        undone.
      </p>
      <div className="actions">
        <button type="button" className="danger" disabled={pending} onClick={onConfirm}>
          {pending ? "Deleting…" : "Delete user"}
        </button>
        <button type="button" className="secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

/** The admin key, asked for once the admin API has said it needs one; kept for this tab only. */
function KeyForm({ wrong, onKey }: { wrong: boolean; onKey: (key: string | undefined) => void }) {
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onKey(String(new FormData(event.currentTarget).get("key") ?? "") || undefined);
  }
  return (
    <>
      <h1>Admin key</h1>
      <p className="lead">This admin API asks for its key (ADMIN_API_KEY). It is kept in this tab until it closes.</p>
      <form onSubmit={onSubmit}>
        <label htmlFor="key">Admin key</label>
        <input id="key" name="key" type="password" autoComplete="off" required autoFocus aria-describedby="key-problem" aria-invalid={wrong || undefined} />
        <p id="key-problem" className="problem" role="alert">
          {wrong ? "That key was refused." : ""}
        </p>
        <button type="submit">Open</button>
      </form>
    </>
  );
}

/** Sign-ups per day as bars, oldest on the left, each day's count in its tooltip and in the table for screen readers. */
function SignUpsChart({ days }: { days: SignUpsPerDay }) {
  const most = Math.max(1, ...days.map(({ count }) => count));
  const total = days.reduce((sum, { count }) => sum + count, 0);
  const width = 600;
  const height = 120;
  const slot = width / days.length;
  return (
    <figure className="chart">
      <figcaption>
        Sign-ups per day, last {days.length} days: <strong>{total}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={`Sign-ups per day over the last ${days.length} days, ${total} in all`}>
        {days.map(({ day, count }, index) => {
          const barHeight = (count / most) * height;
          return (
            <rect key={day} data-day={day} data-count={count} x={index * slot + 2} y={height - barHeight} width={slot - 4} height={Math.max(barHeight, 1)} rx={2}>
              <title>{`${day}: ${count}`}</title>
            </rect>
          );
        })}
        <text x={0} y={height + 14}>
          {days[0]?.day}
        </text>
        <text x={width} y={height + 14} textAnchor="end">
          {days.at(-1)?.day}
        </text>
      </svg>
      <table className="visually-hidden">
        <tbody>
          {days.map(({ day, count }) => (
            <tr key={day}>
              <th scope="row">{day}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

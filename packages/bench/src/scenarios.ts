export interface Door {
  name: string;
  /** Where it takes a sign-up; both doors read the same JSON body `{"email": …}`. */
  path: string;
}

export const doors = {
  baseline: { name: "baseline (node:http + pg)", path: "/users" },
  rest: { name: "POST /users", path: "/users" },
  trpc: { name: "tRPC users.create", path: "/api/trpc/users.create" },
} satisfies Record<string, Door>;

export interface Workload {
  name: string;
  /** How many requests (0 to 1) repeat an address sent before in the same cell. */
  duplicateShare: number;
  expectedStatuses: number[];
}

export const workloads = {
  unique: { name: "new addresses", duplicateShare: 0, expectedStatuses: [200] },
  duplicates: { name: "20% duplicates", duplicateShare: 0.2, expectedStatuses: [200, 409] },
} satisfies Record<string, Workload>;

/** What `--scenarios` chooses from: an app door under a workload, measured beside the baseline under the same one. */
export const scenarios = {
  rest: { door: doors.rest, workload: workloads.unique },
  trpc: { door: doors.trpc, workload: workloads.unique },
  mix: { door: doors.rest, workload: workloads.duplicates },
} satisfies Record<string, { door: Door; workload: Workload }>;

export type ScenarioName = keyof typeof scenarios;

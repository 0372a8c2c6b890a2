import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The shape of packages/api/src: each capability a folder (or, at the bottom, a file), in layers
 * that only point down. The rules take plain values (the bottom two layers and users/), only http/
 * knows headers and cookies, the doors (rest/, trpc/) and the document sit on http/, and server/
 * (the route table and the pipeline) on everything.
 */
const LAYERS = [
  ["errors.ts", "log.ts", "config", "requester.ts", "sign-up-statement.ts", "user-json.ts", "listing.ts", "listeners.ts", "delivery-loop.ts"],
  ["health", "sessions", "audit", "limits", "webhooks", "user-admin", "metrics", "passcodes", "email"],
  ["users"],
  ["http"],
  ["rest", "trpc", "openapi"],
  ["server"],
  ["index.ts"],
];

const source = path.resolve(import.meta.dirname, "../src");
const files = readdirSync(source, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".ts"));

/** A file's capability: its top folder, or the file itself at the top. */
const unitOf = (file: string) => file.split(path.sep)[0]!;
const layerOf = (file: string) => LAYERS.findIndex((layer) => layer.includes(unitOf(file)));

/** Every relative import of every file, as paths from src. */
const imports = files.flatMap((file) =>
  [...readFileSync(path.join(source, file), "utf8").matchAll(/from "(\.{1,2}\/[^"]+)"/g)].map(([, specifier]) => ({
    from: file,
    to: path.relative(source, path.resolve(source, path.dirname(file), specifier!)),
  })),
);

describe("packages/api/src", () => {
  it("puts every file in a layer", () => {
    expect(files.filter((file) => layerOf(file) === -1)).toEqual([]);
  });

  it("has no import that points up a layer", () => {
    expect(imports.filter(({ from, to }) => layerOf(to) > layerOf(from)).map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it("has no cycle between capabilities, nor between files", () => {
    const cycles: string[] = [];
    for (const [nameOf, what] of [
      [unitOf, "capabilities"],
      [(file: string) => file, "files"],
    ] as const) {
      const edges = new Map<string, Set<string>>();
      for (const { from, to } of imports) {
        if (nameOf(from) === nameOf(to)) continue;
        edges.set(nameOf(from), (edges.get(nameOf(from)) ?? new Set()).add(nameOf(to)));
      }
      const done = new Set<string>();
      const visit = (node: string, trail: string[]): void => {
        if (trail.includes(node)) cycles.push(`${what}: ${[...trail.slice(trail.indexOf(node)), node].join(" -> ")}`);
        if (done.has(node) || trail.includes(node)) return;
        for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
        done.add(node);
      };
      for (const node of edges.keys()) visit(node, []);
    }
    expect(cycles).toEqual([]);
  });
});

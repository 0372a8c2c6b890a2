import { readFile } from "node:fs/promises";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig, settingNames } from "../src/config.ts";

describe(".env.example", () => {
  it("lists every setting, each with its default", async () => {
    const example = parseEnv(await readFile(new URL("../../../.env.example", import.meta.url), "utf8"));

    expect(Object.keys(example).sort()).toEqual([...settingNames].sort());
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});

describe("the embedded PostgreSQL's port", () => {
  it("is PORT + 51329 unless EMBEDDED_POSTGRES_PORT is set, so checkouts on different PORTs do not collide", () => {
    expect(loadConfig({}).embeddedPostgresPort).toBe(54_329);
    expect(loadConfig({ PORT: "3100" }).embeddedPostgresPort).toBe(54_429);
    expect(loadConfig({ PORT: "8080" }).embeddedPostgresPort).toBe(59_409);
  });

  it("counts on from 1024 past the last port", () => {
    expect(loadConfig({ PORT: "14206" }).embeddedPostgresPort).toBe(65_535);
    expect(loadConfig({ PORT: "14207" }).embeddedPostgresPort).toBe(1_024);
    expect(loadConfig({ PORT: "65535" }).embeddedPostgresPort).toBe(52_352);
  });

  it("is EMBEDDED_POSTGRES_PORT when that is set", () => {
    expect(loadConfig({ PORT: "3100", EMBEDDED_POSTGRES_PORT: "54400" }).embeddedPostgresPort).toBe(54_400);
  });
});

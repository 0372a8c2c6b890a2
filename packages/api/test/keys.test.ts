import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
  type JWK,
} from "jose";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createDatabase, type Database } from "@enroll/db";
import { createMigratedDatabase } from "@enroll/db/testing";
import { log } from "../src/log.ts";
import { openSigningKeys } from "../src/sessions/keys.ts";

const databases: Database[] = [];

/** A migrated database of its own, and a client on it. */
async function freshDatabase(): Promise<{ url: string; db: Database }> {
  const url = await createMigratedDatabase(inject("postgresUrl"));
  const db = createDatabase(url);
  databases.push(db);
  return { url, db };
}

afterAll(() => Promise.all(databases.map((db) => db.$disconnect())));

const FIRST_SECRET = "first-secret-of-sixteen";
const SECOND_SECRET = "second-secret-of-sixteen";

describe("openSigningKeys without secrets", () => {
  let db: Database;
  beforeAll(async () => ({ db } = await freshDatabase()));

  it("signs RS256 tokens that it verifies, with iat, exp and the given claims", async () => {
    const keys = await openSigningKeys(db, []);
    const token = keys.sign({ sub: "someone", aud: ["localhost"] }, { expiresInSeconds: 60 });

    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: keys.publicJwks().keys[0]!.kid, typ: "JWT" });
    const claims = await keys.verify(token, { audience: "localhost" });
    expect(claims).toMatchObject({ sub: "someone", aud: ["localhost"] });
    expect(claims.exp! - claims.iat!).toBe(60);
    await expect(keys.verify(token, { audience: "elsewhere" })).rejects.toThrow();
  });

  it("keeps one unencrypted key, the same on every later start", async () => {
    const first = await openSigningKeys(db, []);
    const second = await openSigningKeys(db, []);

    expect(second.publicJwks()).toEqual(first.publicJwks());
    const rows = await db.jwk.findMany();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.keyData)).toHaveProperty("d");
    await expect(second.verify(first.sign({}, { expiresInSeconds: 60 }))).resolves.toBeDefined();
  });

  it("publishes only the public half of its key", async () => {
    const [publicKey] = (await openSigningKeys(db, [])).publicJwks().keys;

    expect(Object.keys(publicKey!).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    expect(publicKey).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
  });
});

/** Each algorithm's kind of key, as the JWKS publishes it, and the members of its public half. */
const KINDS = [
  ["RS256", { kty: "RSA" }, ["alg", "e", "kid", "kty", "n", "use"]],
  ["ES256", { kty: "EC", crv: "P-256" }, ["alg", "crv", "kid", "kty", "use", "x", "y"]],
  ["EdDSA", { kty: "OKP", crv: "Ed25519" }, ["alg", "crv", "kid", "kty", "use", "x"]],
] as const;

describe.each(KINDS)("openSigningKeys with %s", (algorithm, kind, publicMembers) => {
  it("signs tokens that a relying party verifies with the published keys alone, each key a public half named by its thumbprint", async () => {
    const { db } = await freshDatabase();
    const keys = await openSigningKeys(db, [FIRST_SECRET], algorithm);
    const token = keys.sign({ sub: "someone", aud: ["localhost"] }, { expiresInSeconds: 60 });

    const [publicKey, ...others] = keys.publicJwks().keys;
    expect(others).toEqual([]);
    expect(publicKey).toMatchObject({ ...kind, alg: algorithm, use: "sig", kid: await calculateJwkThumbprint(publicKey!) });
    expect(Object.keys(publicKey!).sort()).toEqual(publicMembers);
    expect(decodeProtectedHeader(token)).toEqual({ alg: algorithm, kid: publicKey!.kid, typ: "JWT" });
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys.publicJwks()), { algorithms: [algorithm], audience: "localhost" });
    expect(payload.exp! - payload.iat!).toBe(60);
    await expect(keys.verify(token, { audience: "localhost" })).resolves.toMatchObject({ sub: "someone" });
  });

  it("refuses expired tokens, unsigned ones, HMAC ones (the public key as the secret) and ones signed by another key", async () => {
    const { db } = await freshDatabase();
    const keys = await openSigningKeys(db, [], algorithm);
    const kid = keys.publicJwks().keys[0]!.kid!;
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: algorithm, kid })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign((await generateKeyPair(algorithm)).privateKey);
    const unsigned = new UnsecuredJWT({ sub: "someone" }).setExpirationTime("1h").encode();
    const hmac = await new SignJWT({ sub: "someone" })
      .setProtectedHeader({ alg: "HS256", kid })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(JSON.stringify(keys.publicJwks().keys[0])));
    const forged = await new SignJWT({ sub: "someone" })
      .setProtectedHeader({ alg: algorithm, kid })
      .setExpirationTime("1h")
      .sign((await generateKeyPair(algorithm)).privateKey);
    const ownButExpired = keys.sign({}, { expiresInSeconds: -120 });

    for (const token of [expired, unsigned, hmac, forged, ownButExpired]) await expect(keys.verify(token)).rejects.toThrow();
  });
});

describe("switching SESSION_SIGNING_ALGORITHM", () => {
  it("keeps the secret's keys of the old algorithm, which verify and stay published until the secret is dropped", async () => {
    const { db } = await freshDatabase();
    const before = await openSigningKeys(db, [FIRST_SECRET], "RS256");
    const oldToken = before.sign({ sub: "someone" }, { expiresInSeconds: 60 });
    const [rsaKey] = before.publicJwks().keys;

    const switched = await openSigningKeys(db, [FIRST_SECRET], "ES256");
    const newToken = switched.sign({ sub: "someone" }, { expiresInSeconds: 60 });

    expect(switched.publicJwks().keys).toEqual([expect.objectContaining({ kty: "EC", alg: "ES256" }), rsaKey]);
    expect(decodeProtectedHeader(newToken)).toMatchObject({ alg: "ES256", kid: switched.publicJwks().keys[0]!.kid });
    await expect(switched.verify(oldToken)).resolves.toMatchObject({ sub: "someone" });
    await expect(switched.verify(newToken)).resolves.toMatchObject({ sub: "someone" });
    // Switching back signs with the key the secret already has.
    const back = await openSigningKeys(db, [FIRST_SECRET], "RS256");
    expect(decodeProtectedHeader(back.sign({}, { expiresInSeconds: 60 })).kid).toBe(rsaKey!.kid);
    await expect(back.verify(newToken)).resolves.toBeDefined();
    expect(await db.jwk.count()).toBe(2);

    const dropped = await openSigningKeys(db, [SECOND_SECRET], "ES256");
    expect(dropped.publicJwks().keys).toEqual([expect.objectContaining({ kty: "EC", alg: "ES256" })]);
    for (const token of [oldToken, newToken]) await expect(dropped.verify(token)).rejects.toThrow();
  });

  it("refuses a token whose header names an algorithm other than its key's kind, even one our own key signed", async () => {
    const { db } = await freshDatabase();
    for (const [algorithm] of KINDS) await openSigningKeys(db, [], algorithm);
    const keys = await openSigningKeys(db, [], "EdDSA");
    const privateJwks = (await db.jwk.findMany({ orderBy: { id: "asc" } })).map(({ keyData }) => JSON.parse(keyData) as JWK);
    const [rsa, ec, okp] = privateJwks;
    expect(keys.publicJwks().keys.map(({ kid }) => kid).sort()).toEqual(privateJwks.map(({ kid }) => kid).sort());
    const signedWith = async (privateJwk: JWK, alg: string, kid = privateJwk.kid) =>
      new SignJWT({ sub: "someone" }).setProtectedHeader({ alg, kid }).setExpirationTime("1h").sign(await importJWK(privateJwk, alg));

    await expect(keys.verify(await signedWith(rsa!, "RS256"))).resolves.toMatchObject({ sub: "someone" });
    for (const token of [
      await signedWith(rsa!, "PS256"),
      await signedWith(okp!, "Ed25519"),
      await signedWith(ec!, "ES256", rsa!.kid),
      await signedWith(rsa!, "RS256", ec!.kid),
    ]) {
      await expect(keys.verify(token), JSON.stringify(decodeProtectedHeader(token))).rejects.toThrow();
    }
  });

  it("on instances that restart at once adds exactly one key of the new algorithm per secret", async () => {
    const { url, db } = await freshDatabase();
    await openSigningKeys(db, [FIRST_SECRET, SECOND_SECRET], "RS256");
    const instances = Array.from({ length: 4 }, () => createDatabase(url));
    databases.push(...instances);

    const opened = await Promise.all(instances.map((instance) => openSigningKeys(instance, [FIRST_SECRET, SECOND_SECRET], "EdDSA")));

    expect(await db.jwk.count()).toBe(4);
    for (const keys of opened) expect(keys.publicJwks()).toEqual(opened[0]!.publicJwks());
    expect(opened[0]!.publicJwks().keys.map(({ alg }) => alg)).toEqual(["EdDSA", "RS256", "EdDSA", "RS256"]);
    await expect(opened[3]!.verify(opened[1]!.sign({}, { expiresInSeconds: 60 }))).resolves.toBeDefined();
  });
});

describe("openSigningKeys with SECRETS_KEYS", () => {
  it("stores one key per secret, encrypted: no private part in the table, and 100,000 PBKDF2 rounds from a stolen copy to each secret", async () => {
    const { db } = await freshDatabase();
    const keys = await openSigningKeys(db, [FIRST_SECRET, SECOND_SECRET]);

    const rows = await db.jwk.findMany();
    expect(rows).toHaveLength(2);
    for (const { keyData } of rows) {
      expect(keyData.split(".")).toHaveLength(5);
      expect(decodeProtectedHeader(keyData)).toMatchObject({ alg: "PBES2-HS256+A128KW", p2c: 100_000 });
      expect(keyData).not.toContain(keys.publicJwks().keys[0]!.n);
    }
    expect(keys.publicJwks().keys).toHaveLength(2);
  });

  it("signs with the first secret's key and verifies with all, so prepending a secret rotates the signing key", async () => {
    const { db } = await freshDatabase();
    const before = await openSigningKeys(db, [FIRST_SECRET]);
    const oldToken = before.sign({ sub: "someone" }, { expiresInSeconds: 60 });

    const rotated = await openSigningKeys(db, [SECOND_SECRET, FIRST_SECRET]);
    const newToken = rotated.sign({ sub: "someone" }, { expiresInSeconds: 60 });

    await expect(rotated.verify(oldToken)).resolves.toMatchObject({ sub: "someone" });
    expect(decodeProtectedHeader(newToken).kid).toBe(rotated.publicJwks().keys[0]!.kid);
    expect(decodeProtectedHeader(newToken).kid).not.toBe(decodeProtectedHeader(oldToken).kid);
    await expect(before.verify(newToken)).rejects.toThrow();
    expect(await db.jwk.count()).toBe(2);
  });

  it("cannot read a key with another secret: a different secret gets a key of its own", async () => {
    const { db } = await freshDatabase();
    const first = await openSigningKeys(db, [FIRST_SECRET]);
    const other = await openSigningKeys(db, [SECOND_SECRET]);

    expect(other.publicJwks().keys[0]!.kid).not.toBe(first.publicJwks().keys[0]!.kid);
    await expect(other.verify(first.sign({}, { expiresInSeconds: 60 }))).rejects.toThrow();
  });
});

describe("the first start with SECRETS_KEYS after starts without", () => {
  /** The ids of the rows that hold a key in the clear (JWK JSON rather than a JWE). */
  const unencryptedRows = async (db: Database) =>
    (await db.jwk.findMany()).filter(({ keyData }) => keyData.startsWith("{")).map(({ id }) => id);

  /** What `work` logs at level warn. */
  async function warningsOf(work: () => Promise<unknown>): Promise<string[]> {
    const warn = vi.spyOn(log, "warn").mockImplementation(() => {});
    try {
      await work();
      return warn.mock.calls.map(([message]) => String(message));
    } finally {
      warn.mockRestore();
    }
  }

  it("deletes the unencrypted key, so that no later start, with secrets or without, accepts a token it signed", async () => {
    const { db } = await freshDatabase();
    const zeroConfiguration = await openSigningKeys(db, []);
    const oldToken = zeroConfiguration.sign({ sub: "someone", aud: ["localhost"] }, { expiresInSeconds: 600 });

    let configured!: Awaited<ReturnType<typeof openSigningKeys>>;
    const warnings = await warningsOf(async () => (configured = await openSigningKeys(db, [FIRST_SECRET])));

    expect(await unencryptedRows(db)).toEqual([]);
    expect(await db.jwk.count()).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/unencrypted .*key .*deleted.*sessions signed with it end/i)]);
    await expect(configured.verify(oldToken)).rejects.toThrow();
    const restartedWithout = await openSigningKeys(db, []);
    await expect(restartedWithout.verify(oldToken)).rejects.toThrow();
  });

  it("deletes it also where every secret's key is stored already", async () => {
    const { db } = await freshDatabase();
    const configured = await openSigningKeys(db, [FIRST_SECRET]);
    await openSigningKeys(db, []);
    expect(await unencryptedRows(db)).toHaveLength(1);

    const reopened = await openSigningKeys(db, [FIRST_SECRET]);

    expect(await unencryptedRows(db)).toEqual([]);
    expect(reopened.publicJwks()).toEqual(configured.publicJwks());
  });

  it("deletes it once when instances start at once, each with every secret's key and no other", async () => {
    const { url, db } = await freshDatabase();
    await openSigningKeys(db, []);
    const instances = Array.from({ length: 4 }, () => createDatabase(url));
    databases.push(...instances);

    let opened: Awaited<ReturnType<typeof openSigningKeys>>[] = [];
    const warnings = await warningsOf(
      async () => (opened = await Promise.all(instances.map((instance) => openSigningKeys(instance, [FIRST_SECRET, SECOND_SECRET])))),
    );

    expect(await unencryptedRows(db)).toEqual([]);
    expect(await db.jwk.count()).toBe(2);
    expect(warnings).toHaveLength(1);
    for (const keys of opened) expect(keys.publicJwks()).toEqual(opened[0]!.publicJwks());
  });
});

describe("instances starting at once on an empty database", () => {
  it.each([
    ["without secrets", [] as string[], 1],
    ["with two secrets", [FIRST_SECRET, SECOND_SECRET], 2],
  ])("%s store exactly one key per secret, and all sign with the same", async (_, secrets, expectedRows) => {
    const { url } = await freshDatabase();
    const instances = Array.from({ length: 4 }, () => createDatabase(url));
    databases.push(...instances);

    const opened = await Promise.all(instances.map((db) => openSigningKeys(db, secrets)));

    expect(await instances[0]!.jwk.count()).toBe(expectedRows);
    for (const keys of opened) expect(keys.publicJwks()).toEqual(opened[0]!.publicJwks());
    const token = opened[1]!.sign({}, { expiresInSeconds: 60 });
    await expect(opened[3]!.verify(token)).resolves.toBeDefined();
  });
});

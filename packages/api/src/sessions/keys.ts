import {
  calculateJwkThumbprint,
  compactDecrypt,
  CompactEncrypt,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
} from "jose";
import type { Database } from "@enroll/db";
import { log } from "../log.ts";

/** Session and webhook tokens are RS256, as Hanko's; nothing else is accepted. */
const SIGNING_ALGORITHM = "RS256";

/**
 * A key kept under a secret is a JWE whose password is the secret (PBES2: PBKDF2 then AES key wrap),
 * its content encrypted with AES-GCM: jose's, no cipher of our own.
 */
const KEY_ENCRYPTION = { alg: "PBES2-HS256+A128KW", enc: "A256GCM" } as const;

/**
 * PBKDF2 rounds between the secret and the key that wraps a stored key: jose's default (2,048) is
 * cheap to try against a stolen `jwks` table, and a secret may be as short as 16 characters. Each
 * start derives once per secret and stored key (about 16 ms each on the machine the bench runs on).
 */
const KEY_ENCRYPTION_ROUNDS = 100_000;

/** Advisory locks taken with this first key are the key store's: one instance adds keys at a time. */
const KEY_STORE_LOCK_CLASS = 20_261_130;

export interface SigningKeys {
  /**
   * An RS256 JWT of `claims`, signed with the first secret's key (its `kid` in the header), with
   * `iat` now and `exp` `expiresInSeconds` later.
   */
  sign(claims: JWTPayload, options: { expiresInSeconds: number }): Promise<string>;
  /**
   * The claims of `token` when it is an RS256 JWT signed by one of our keys, not expired, and (when
   * `audience` and `issuer` are given) for one of those audiences and from that issuer; otherwise
   * throws jose's error.
   */
  verify(token: string, options?: { audience?: string | string[]; issuer?: string }): Promise<JWTPayload>;
  /** The public halves of every key, as `/.well-known/jwks.json` serves them. */
  publicJwks(): { keys: JWK[] };
}

interface KeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * The keys of `secrets` (SECRETS_KEYS; the first signs, all verify), each read from the `jwks`
 * table, or made and stored there the first time it is used. Without secrets, the one unencrypted
 * key of the zero-configuration start; with secrets, that key is deleted, so that nobody who can read
 * the table can sign with it. Every instance on one database gets the same keys: the keys are made
 * outside any transaction (an RSA key takes a while), then stored under an advisory lock by
 * whichever instance gets there first; the others find them stored and drop theirs.
 */
export async function openSigningKeys(db: Database, secrets: string[]): Promise<SigningKeys> {
  if (secrets.length === 0) {
    log.warn(
      "SECRETS_KEYS is not set: the session signing key is stored unencrypted in the database. " +
        "Set SECRETS_KEYS to one or more comma-separated secrets of at least 16 characters (e.g. `openssl rand -hex 32`).",
    );
  }
  const stored = await readKeys(db, secrets);
  const settled = stored.keyPairs.every(Boolean) && stored.unencryptedIdsToDelete.length === 0;
  return signingKeysOf(settled ? (stored.keyPairs as KeyPair[]) : await settleKeys(db, secrets, stored.keyPairs));
}

interface StoredKeys {
  /** The key of each secret (or the unencrypted key, without secrets), in order; undefined where there is none yet. */
  keyPairs: (KeyPair | undefined)[];
  /** With secrets: the rows of the zero-configuration key, which the secrets' keys replace. */
  unencryptedIdsToDelete: number[];
}

async function readKeys(db: Pick<Database, "jwk">, secrets: string[]): Promise<StoredKeys> {
  const rows = await db.jwk.findMany({ orderBy: { id: "asc" } });
  const unencrypted = rows.filter((row) => isUnencrypted(row.keyData));
  if (secrets.length === 0) {
    const [zeroConfiguration] = unencrypted;
    return { keyPairs: [zeroConfiguration && keyPairOf(JSON.parse(zeroConfiguration.keyData) as JWK)], unencryptedIdsToDelete: [] };
  }
  const encrypted = rows.filter((row) => !isUnencrypted(row.keyData));
  const keyPairs = await Promise.all(
    secrets.map(async (secret) => {
      for (const row of encrypted) {
        const privateJwk = await decryptKey(row.keyData, secret);
        if (privateJwk) return keyPairOf(privateJwk);
      }
      return undefined;
    }),
  );
  return { keyPairs, unencryptedIdsToDelete: unencrypted.map(({ id }) => id) };
}

/**
 * Under the key store's lock: stores the keys still missing (`made` where `found` has none) and,
 * with secrets, deletes the zero-configuration key.
 */
async function settleKeys(db: Database, secrets: string[], found: (KeyPair | undefined)[]): Promise<KeyPair[]> {
  const made = await Promise.all(found.map((keyPair) => keyPair ?? makeKeyPair()));
  const { keyPairs, deleted } = await db.$transaction(
    async (transaction) => {
      await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_STORE_LOCK_CLASS}::int, 0)`;
      // Read again under the lock: another instance may have stored or deleted keys since the first read.
      const stored = await readKeys(transaction, secrets);
      const { count: deleted } = await transaction.jwk.deleteMany({ where: { id: { in: stored.unencryptedIdsToDelete } } });
      const keyPairs: KeyPair[] = [];
      for (const [index, keyPair] of stored.keyPairs.entries()) {
        if (keyPair) {
          keyPairs.push(keyPair);
          continue;
        }
        const secret = secrets[index];
        const fresh = made[index]!;
        const keyData = secret === undefined ? JSON.stringify(fresh.privateJwk) : await encryptKey(fresh.privateJwk, secret);
        await transaction.jwk.create({ data: { keyData } });
        keyPairs.push(fresh);
      }
      return { keyPairs, deleted };
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
  if (deleted > 0) {
    log.warn(
      "SECRETS_KEYS is set: the unencrypted signing key of the starts without it was deleted from the database. " +
        "Sessions signed with it end, and their users sign in again.",
    );
  }
  return keyPairs;
}

async function makeKeyPair(): Promise<KeyPair> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return keyPairOf({ ...privateJwk, kid: await calculateJwkThumbprint(privateJwk) });
}

function keyPairOf(privateJwk: JWK): KeyPair {
  const { kty, kid, n, e } = privateJwk;
  return { privateJwk, publicJwk: { kty, alg: SIGNING_ALGORITHM, use: "sig", kid, n, e } };
}

/** An encrypted key is a compact JWE (five base64url parts); an unencrypted one is JWK JSON. */
function isUnencrypted(keyData: string): boolean {
  return keyData.startsWith("{");
}

function encryptKey(privateJwk: JWK, secret: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
    .setProtectedHeader(KEY_ENCRYPTION)
    .setKeyManagementParameters({ p2c: KEY_ENCRYPTION_ROUNDS })
    .encrypt(new TextEncoder().encode(secret));
}

/** The key `keyData` holds when `secret` is the one it was encrypted with; undefined otherwise. */
async function decryptKey(keyData: string, secret: string): Promise<JWK | undefined> {
  try {
    const { plaintext } = await compactDecrypt(keyData, new TextEncoder().encode(secret), {
      keyManagementAlgorithms: [KEY_ENCRYPTION.alg],
      contentEncryptionAlgorithms: [KEY_ENCRYPTION.enc],
      maxPBES2Count: KEY_ENCRYPTION_ROUNDS,
    });
    return JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
  } catch {
    return undefined;
  }
}

async function signingKeysOf(keyPairs: KeyPair[]): Promise<SigningKeys> {
  const [signer] = keyPairs;
  if (!signer) throw new Error("No signing key");
  const signingKey = await importJWK(signer.privateJwk, SIGNING_ALGORITHM);
  const publicJwks = { keys: keyPairs.map(({ publicJwk }) => publicJwk) };
  const verificationKeys = createLocalJWKSet(publicJwks);
  return {
    sign: (claims, { expiresInSeconds }) => {
      const issuedAt = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: signer.publicJwk.kid, typ: "JWT" })
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + expiresInSeconds)
        .sign(signingKey);
    },
    verify: async (token, { audience, issuer } = {}) => {
      const { payload } = await jwtVerify(token, verificationKeys, { algorithms: [SIGNING_ALGORITHM], audience, issuer });
      return payload;
    },
    publicJwks: () => publicJwks,
  };
}

import { createPrivateKey, type JsonWebKey } from "node:crypto";
import { createSigner } from "fast-jwt";
import {
  calculateJwkThumbprint,
  compactDecrypt,
  CompactEncrypt,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from "jose";
import type { Database } from "@enroll/db";
import type { SigningAlgorithm } from "../config/index.ts";
import { log } from "../log.ts";

/**
 * What each kind of key is as a JWK, and which of its members are public. RS256 (RSA-2048) is the
 * reference's, which its verifiers expect; ES256 (P-256) and EdDSA (Ed25519) sign at a fraction of
 * its cost. A stored key's kind is read from its JWK, so the rows of every kind live side by side.
 */
const KEY_KINDS = {
  RS256: { kty: "RSA", crv: undefined, publicMembers: ["n", "e"] },
  ES256: { kty: "EC", crv: "P-256", publicMembers: ["crv", "x", "y"] },
  EdDSA: { kty: "OKP", crv: "Ed25519", publicMembers: ["crv", "x"] },
} as const satisfies Record<SigningAlgorithm, { kty: string; crv: string | undefined; publicMembers: readonly (keyof JWK)[] }>;

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
   * A JWT of `claims`, signed with the first secret's key of the configured algorithm (its `kid`
   * in the header), with `iat` now and `exp` `expiresInSeconds` later. Synchronous (node:crypto on
   * this thread): a signature costs less than handing it to the threadpool and back.
   */
  sign(claims: JWTPayload, options: { expiresInSeconds: number }): string;
  /**
   * The claims of `token` when it is a JWT signed by one of our keys, with the algorithm of that
   * key's kind, not expired, and (when `audience` and `issuer` are given) for one of those audiences
   * and from that issuer; otherwise throws jose's error.
   */
  verify(token: string, options?: { audience?: string | string[]; issuer?: string }): Promise<JWTPayload>;
  /** The public halves of every key, as `/.well-known/jwks.json` serves them; the signing key first. */
  publicJwks(): { keys: JWK[] };
}

interface KeyPair {
  algorithm: SigningAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * The keys of `secrets` (SECRETS_KEYS), each read from the `jwks` table, or made and stored there
 * the first time it is used. Each secret has a key per algorithm it has been used with: the first
 * secret's key of `algorithm` signs; every key of every listed secret verifies, so a token signed
 * before a change of algorithm stays valid while its secret is listed. Without secrets, the
 * unencrypted keys of the zero-configuration start (one per algorithm); with secrets, those are
 * deleted, so that nobody who can read the table can sign with them. Every instance on one database
 * gets the same keys: the keys are made outside any transaction (an RSA key takes a while), then
 * stored under an advisory lock by whichever instance gets there first; the others find them
 * stored and drop theirs.
 */
export async function openSigningKeys(db: Database, secrets: string[], algorithm: SigningAlgorithm = "RS256"): Promise<SigningKeys> {
  if (secrets.length === 0) {
    log.warn(
      "SECRETS_KEYS is not set: the session signing key is stored unencrypted in the database. " +
        "Set SECRETS_KEYS to one or more comma-separated secrets of at least 16 characters (e.g. `openssl rand -hex 32`).",
    );
  }
  const stored = await readKeys(db, secrets);
  const settled = stored.keyPairs.every((keys) => keyOf(keys, algorithm)) && stored.unencryptedIdsToDelete.length === 0;
  return signingKeysOf(settled ? stored.keyPairs : await settleKeys(db, secrets, algorithm, stored.keyPairs), algorithm);
}

interface StoredKeys {
  /** The keys of each secret (or the unencrypted keys, without secrets), in order: at most one per algorithm. */
  keyPairs: KeyPair[][];
  /** With secrets: the rows of the zero-configuration keys, which the secrets' keys replace. */
  unencryptedIdsToDelete: number[];
}

async function readKeys(db: Pick<Database, "jwk">, secrets: string[]): Promise<StoredKeys> {
  const rows = await db.jwk.findMany({ orderBy: { id: "asc" } });
  const unencrypted = rows.filter((row) => isUnencrypted(row.keyData));
  if (secrets.length === 0) {
    return { keyPairs: [onePerAlgorithm(unencrypted.map((row) => JSON.parse(row.keyData) as JWK))], unencryptedIdsToDelete: [] };
  }
  const encrypted = rows.filter((row) => !isUnencrypted(row.keyData));
  // Each row is tried with one secret after another, all rows at once: a row whose secret is no
  // longer listed costs one key derivation per secret, as a wrong guess would.
  const opened = await Promise.all(
    encrypted.map(async (row) => {
      for (const [index, secret] of secrets.entries()) {
        const privateJwk = await decryptKey(row.keyData, secret);
        if (privateJwk) return { index, privateJwk };
      }
      return undefined;
    }),
  );
  return {
    keyPairs: secrets.map((_, index) => onePerAlgorithm(opened.filter((key) => key?.index === index).map((key) => key!.privateJwk))),
    unencryptedIdsToDelete: unencrypted.map(({ id }) => id),
  };
}

/** The first key of each algorithm among `privateJwks` (in the order they were stored); keys of a kind we do not sign with are left out. */
function onePerAlgorithm(privateJwks: JWK[]): KeyPair[] {
  const keyPairs: KeyPair[] = [];
  for (const privateJwk of privateJwks) {
    const algorithm = algorithmOf(privateJwk);
    if (algorithm && !keyOf(keyPairs, algorithm)) keyPairs.push(keyPairOf(privateJwk, algorithm));
  }
  return keyPairs;
}

function keyOf(keyPairs: KeyPair[], algorithm: SigningAlgorithm): KeyPair | undefined {
  return keyPairs.find((keyPair) => keyPair.algorithm === algorithm);
}

/**
 * Under the key store's lock: stores the keys of `algorithm` still missing (made beforehand where
 * `found` has none) and, with secrets, deletes the zero-configuration keys.
 */
async function settleKeys(db: Database, secrets: string[], algorithm: SigningAlgorithm, found: KeyPair[][]): Promise<KeyPair[][]> {
  const made = await Promise.all(found.map((keys) => (keyOf(keys, algorithm) ? undefined : makeKeyPair(algorithm))));
  const { keyPairs, deleted } = await db.$transaction(
    async (transaction) => {
      await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_STORE_LOCK_CLASS}::int, 0)`;
      // Read again under the lock: another instance may have stored or deleted keys since the first read.
      const stored = await readKeys(transaction, secrets);
      const { count: deleted } = await transaction.jwk.deleteMany({ where: { id: { in: stored.unencryptedIdsToDelete } } });
      const keyPairs: KeyPair[][] = [];
      for (const [index, keys] of stored.keyPairs.entries()) {
        if (keyOf(keys, algorithm)) {
          keyPairs.push(keys);
          continue;
        }
        const secret = secrets[index];
        const fresh = made[index] ?? (await makeKeyPair(algorithm));
        const keyData = secret === undefined ? JSON.stringify(fresh.privateJwk) : await encryptKey(fresh.privateJwk, secret);
        await transaction.jwk.create({ data: { keyData } });
        keyPairs.push([...keys, fresh]);
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

async function makeKeyPair(algorithm: SigningAlgorithm): Promise<KeyPair> {
  const { privateKey } = await generateKeyPair(algorithm, { modulusLength: 2048, crv: KEY_KINDS[algorithm].crv, extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return keyPairOf({ ...privateJwk, kid: await calculateJwkThumbprint(privateJwk) }, algorithm);
}

/** The algorithm a key of this kind signs with; undefined for a kind we do not sign with. */
function algorithmOf({ kty, crv }: JWK): SigningAlgorithm | undefined {
  return (Object.keys(KEY_KINDS) as SigningAlgorithm[]).find((algorithm) => KEY_KINDS[algorithm].kty === kty && KEY_KINDS[algorithm].crv === crv);
}

function keyPairOf(privateJwk: JWK, algorithm: SigningAlgorithm): KeyPair {
  const { kty, kid } = privateJwk;
  const publicMembers = Object.fromEntries(KEY_KINDS[algorithm].publicMembers.map((member) => [member, privateJwk[member]]));
  return { algorithm, privateJwk, publicJwk: { kty, alg: algorithm, use: "sig", kid, ...publicMembers } };
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

/**
 * Signs with fast-jwt (node:crypto, synchronous) and verifies with jose, which picks the key by
 * `kid` and accepts only the algorithm of its kind, among the algorithms of the keys we hold: never
 * `none` nor HMAC, and an RSA key's `kid` under an `ES256` header matches nothing.
 */
function signingKeysOf(keyPairs: KeyPair[][], algorithm: SigningAlgorithm): SigningKeys {
  const signer = keyOf(keyPairs[0] ?? [], algorithm);
  if (!signer) throw new Error("No signing key");
  // Each secret's key of `algorithm` before its others, so that the signing key leads the JWKS.
  const held = keyPairs.flatMap((keys) => [...keys.filter((key) => key.algorithm === algorithm), ...keys.filter((key) => key.algorithm !== algorithm)]);
  const publicJwks = { keys: held.map(({ publicJwk }) => publicJwk) };
  const verificationKeys = createLocalJWKSet(publicJwks);
  const algorithms = [...new Set(held.map((keyPair) => keyPair.algorithm))];
  const signToken = createSigner({ key: privatePemOf(signer.privateJwk), algorithm, kid: signer.publicJwk.kid });
  return {
    sign: (claims, { expiresInSeconds }) => {
      const issuedAt = Math.floor(Date.now() / 1000);
      return signToken({ ...claims, iat: issuedAt, exp: issuedAt + expiresInSeconds });
    },
    verify: async (token, { audience, issuer } = {}) => {
      const { payload } = await jwtVerify(token, verificationKeys, { algorithms, audience, issuer });
      return payload;
    },
    publicJwks: () => publicJwks,
  };
}

/** fast-jwt takes a private key as PEM; node:crypto converts it from the JWK. */
function privatePemOf(privateJwk: JWK): string {
  return createPrivateKey({ key: privateJwk as JsonWebKey, format: "jwk" }).export({ type: "pkcs8", format: "pem" }) as string;
}

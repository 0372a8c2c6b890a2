import { z } from "zod";

/** `GET /me`: whose session the request carries, as Hanko answers it. */
export const meResponse = z.object({
  id: z.uuid().describe("The ID of the signed-in user"),
});

export type MeResponse = z.infer<typeof meResponse>;

/** `GET /users/{id}`: the signed-in user, as Hanko answers it. */
export const userResponse = z.object({
  id: z.uuid().describe("The ID of the user"),
  email: z.string().describe("The user's primary email address").nullable(),
  webauthn_credentials: z.array(z.never()).describe("Always empty: Enroll has no passkeys (Hanko's elements read it)"),
  created_at: z.iso.datetime().describe("When the user signed up"),
  updated_at: z.iso.datetime().describe("When the user was last changed"),
});

export type UserResponse = z.infer<typeof userResponse>;

/** `auth.me`: the signed-in user's id and primary address, for the sign-up page. */
export const signedInUser = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
});

export type SignedInUser = z.infer<typeof signedInUser>;

/** What every published key says: its kind, the one algorithm it signs with, and its id. */
const signingKey = <Kind extends string, Algorithm extends string>(kty: Kind, alg: Algorithm) =>
  z.object({
    kty: z.literal(kty),
    alg: z.literal(alg),
    use: z.literal("sig"),
    kid: z.string().describe("The key's id, as a token's header names it (its RFC 7638 thumbprint)"),
  });

/**
 * One public key of `/.well-known/jwks.json`, of the kind its algorithm signs with: RSA for RS256
 * (the default), P-256 for ES256, Ed25519 for EdDSA.
 */
export const publicJwk = z.discriminatedUnion("kty", [
  signingKey("RSA", "RS256").extend({
    n: z.string().describe("The modulus, base64url"),
    e: z.string().describe("The exponent, base64url"),
  }),
  signingKey("EC", "ES256").extend({
    crv: z.literal("P-256"),
    x: z.string().describe("The point's x coordinate, base64url"),
    y: z.string().describe("The point's y coordinate, base64url"),
  }),
  signingKey("OKP", "EdDSA").extend({
    crv: z.literal("Ed25519"),
    x: z.string().describe("The public key, base64url"),
  }),
]);

export const jwksResponse = z.object({ keys: z.array(publicJwk) });

export type JwksResponse = z.infer<typeof jwksResponse>;

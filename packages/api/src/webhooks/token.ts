import type { WebhookEvent } from "./hooks.ts";

/** A webhook token is good for five minutes after it is signed, as the reference's. */
export const WEBHOOK_TOKEN_LIFETIME_SECONDS = 5 * 60;

/**
 * Signs claims with the keys sessions are signed with, adding `iat`, `exp` and `aud`, so that a
 * receiver verifies a webhook with the app's `/.well-known/jwks.json`.
 */
export type SignToken = (claims: Record<string, unknown>, options: { expiresInSeconds: number }) => Promise<string>;

/** What a callback receives, the reference's body: the event, and a token that carries it with its data. */
export async function webhookBody(sign: SignToken, event: WebhookEvent, data: unknown): Promise<string> {
  const token = await sign({ sub: "hanko webhooks", evt: event, data }, { expiresInSeconds: WEBHOOK_TOKEN_LIFETIME_SECONDS });
  return JSON.stringify({ token, event });
}

/**
 * Until the session keys exist: a key pair of this process's own, which no receiver can check
 * against a JWKS. The seam that the session key store replaces.
 */
export async function provisionalSigner(): Promise<SignToken> {
  const { SignJWT, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair("ES256");
  return (claims, { expiresInSeconds }) =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256" }).setIssuedAt().setExpirationTime(`${expiresInSeconds}s`).sign(privateKey);
}

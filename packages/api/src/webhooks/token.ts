import type { SigningKeys } from "../sessions/keys.ts";
import type { WebhookEvent } from "./hooks.ts";

/** A webhook token is good for five minutes after it is signed, as the reference's. */
const WEBHOOK_TOKEN_LIFETIME_SECONDS = 5 * 60;

/**
 * What a callback receives, the reference's body: the event, and a token that carries it with its
 * data, signed with the session keys (so a receiver checks it against `/.well-known/jwks.json`) for
 * the sessions' audience.
 */
export function webhookBody(
  keys: Pick<SigningKeys, "sign">,
  audience: string[],
  event: WebhookEvent,
  data: unknown,
): string {
  const claims = { sub: "hanko webhooks", aud: audience, evt: event, data };
  const token = keys.sign(claims, { expiresInSeconds: WEBHOOK_TOKEN_LIFETIME_SECONDS });
  return JSON.stringify({ token, event });
}

export { startWebhookDelivery, type WebhookDelivery } from "./delivery.ts";
export { provisionalSigner, type SignToken } from "./token.ts";

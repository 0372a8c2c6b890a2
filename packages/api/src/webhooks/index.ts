export { startWebhookDelivery, type WebhookDelivery } from "./delivery.ts";

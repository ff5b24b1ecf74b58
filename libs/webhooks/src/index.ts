export { addressRefusal, normaliseHost, ownAddresses, resolveAll, WebhookDestinations, type ResolveAll } from './destination-policy';
export { newWebhookSecret, signedHeaders } from './webhook-signer';

import { z } from 'zod';
import { liveNotificationV1 } from './live-notification';

/**
 * The body of a webhook POST, in the envelope Standard Webhooks recommends (`type`, `timestamp`, `data`):
 * `data` is the notification exactly as GET /v1/notifications lists it (unread, as it was when sent). The
 * request's `webhook-id` header is the delivery's id, the same on every attempt.
 */
export const webhookEventV1 = z.object({
  type: liveNotificationV1.shape.kind,
  timestamp: z.iso.datetime(),
  data: liveNotificationV1,
});

export type WebhookEventV1 = z.infer<typeof webhookEventV1>;

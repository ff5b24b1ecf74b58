import { z } from 'zod';

/**
 * What the notifier publishes on Redis for each new notification, and what an
 * api replica writes to that user's open streams: the same shape as an item of
 * GET /v1/notifications.
 */
export const liveNotificationV1 = z.object({
  id: z.uuid(),
  kind: z.enum(['upload.processed', 'upload.failed', 'followee.posted', 'webhook.disabled']),
  // null only for webhook.disabled, which is about one of the user's webhook endpoints, not an upload
  uploadId: z.uuid().nullable(),
  actor: z.object({ handle: z.string() }),
  createdAt: z.iso.datetime(),
  readAt: z.iso.datetime().nullable(),
});

export type LiveNotificationV1 = z.infer<typeof liveNotificationV1>;

/** One pub/sub channel per user, so an api replica subscribes only to the users whose streams it holds. */
export function liveNotificationChannel(redisPrefix: string, userId: string): string {
  return `${redisPrefix}:live:user:${userId}`;
}

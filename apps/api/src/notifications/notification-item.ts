import type { LiveNotificationV1 } from '@darkroom/contracts';
import type { NotificationView } from '@darkroom/database';
import type { NotificationDto } from './dto/notification.dto';

/** An item of GET /v1/notifications. */
export function toNotificationItem(n: NotificationView): NotificationDto {
  return { id: n.id, kind: n.kind, uploadId: n.uploadId, actor: { handle: n.actorHandle }, createdAt: n.createdAt, readAt: n.readAt };
}

/** The same item as a stream event carries it: its JSON is the list item's JSON. */
export function toLiveNotification(n: NotificationView): LiveNotificationV1 {
  return { id: n.id, kind: n.kind, uploadId: n.uploadId, actor: { handle: n.actorHandle }, createdAt: n.createdAt.toISOString(), readAt: n.readAt?.toISOString() ?? null };
}

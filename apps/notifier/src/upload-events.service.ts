import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { UploadEventName, UploadEventV1 } from '@darkroom/contracts';
import { NotificationsRepository, UsersRepository } from '@darkroom/database';
import { LiveNotificationPublisher } from '@darkroom/messaging';

export const NOTIFICATIONS_SENT = 'darkroom_notifications_sent_total';
export const notificationsSent = makeCounterProvider({
  name: NOTIFICATIONS_SENT,
  help: 'Notifications recorded for people (a replayed job that finds its notification already there does not count), by kind',
  labelNames: ['kind'],
});

/** Records what an upload's outcome means for people: for now, the owner's own notification, pushed to their open streams. */
@Injectable()
export class UploadEventsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly users: UsersRepository,
    private readonly live: LiveNotificationPublisher,
    private readonly log: PinoLogger,
    @InjectMetric(NOTIFICATIONS_SENT) private readonly sent: Counter<string>,
  ) {
    this.log.setContext(UploadEventsService.name);
  }

  /** Idempotent: a replayed job finds the notification already there and adds (and publishes) nothing. */
  async record(event: UploadEventName, payload: UploadEventV1): Promise<void> {
    const added = await this.notifications.insertOnce({
      userId: payload.ownerId,
      kind: event, // an upload event and the owner's notification share their name
      uploadId: payload.uploadId,
      actorId: payload.ownerId,
    });
    if (added) this.sent.inc({ kind: event });
    this.log.info({ event, notified: added ? 1 : 0, replay: !added }, added ? 'owner notified' : 'notification already recorded');
    if (!added) return;
    // After the commit, and best effort: the row is the truth, and a stream that missed this push replays it.
    try {
      const owner = await this.users.findById(payload.ownerId);
      if (!owner) return;
      const notification = { id: added.id, kind: event, uploadId: payload.uploadId, actor: { handle: owner.handle }, createdAt: added.createdAt.toISOString(), readAt: null };
      const replicas = await this.live.publish(payload.ownerId, notification);
      this.log.debug({ notificationId: added.id, replicas }, 'live notification published');
    } catch (error) {
      this.log.warn({ err: error, notificationId: added.id }, 'live notification not published; open streams get it when they reconnect');
    }
  }
}

import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { UploadEventName, UploadEventV1 } from '@darkroom/contracts';
import { NotificationsRepository } from '@darkroom/database';

/** Records what an upload's outcome means for people: for now, the owner's own notification. */
@Injectable()
export class UploadEventsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly log: PinoLogger,
  ) {
    this.log.setContext(UploadEventsService.name);
  }

  /** Idempotent: a replayed job finds the notification already there and adds nothing. */
  async record(event: UploadEventName, payload: UploadEventV1): Promise<void> {
    const added = await this.notifications.insertOnce({
      userId: payload.ownerId,
      kind: event, // an upload event and the owner's notification share their name
      uploadId: payload.uploadId,
      actorId: payload.ownerId,
    });
    this.log.info({ event, notified: added ? 1 : 0, replay: !added }, added ? 'owner notified' : 'notification already recorded');
  }
}

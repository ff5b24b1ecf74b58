import { Injectable } from '@nestjs/common';
import { NotificationsRepository } from '@darkroom/database';
import { parseCursorParam } from '../http/page-cursor';
import { NotificationPageDto } from './dto/notification.dto';

@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationsRepository) {}

  /** A user's notifications are theirs alone: the query is always scoped to the caller. */
  async list(userId: string, opts: { unreadOnly: boolean; cursor?: string; limit?: number }): Promise<NotificationPageDto> {
    const after = parseCursorParam(opts.cursor);
    const page = await this.notifications.listForUser(userId, { unreadOnly: opts.unreadOnly, after, limit: opts.limit ?? 20 });
    return {
      items: page.items.map((n) => ({
        id: n.id,
        kind: n.kind,
        uploadId: n.uploadId,
        actor: { handle: n.actorHandle },
        createdAt: n.createdAt,
        readAt: n.readAt,
      })),
      nextCursor: page.nextCursor,
    };
  }
}

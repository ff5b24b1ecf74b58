import { Injectable, NotFoundException } from '@nestjs/common';
import { NotificationsRepository } from '@darkroom/database';
import { parseCursorParam } from '../http/page-cursor';
import { NotificationPageDto, UnreadCountDto } from './dto/notification.dto';
import { toNotificationItem } from './notification-item';

/** A user's notifications are theirs alone: every query is scoped to the caller. */
@Injectable()
export class NotificationsService {
  constructor(private readonly notifications: NotificationsRepository) {}

  async list(userId: string, opts: { unreadOnly: boolean; cursor?: string; limit?: number }): Promise<NotificationPageDto> {
    const after = parseCursorParam(opts.cursor);
    const page = await this.notifications.listForUser(userId, { unreadOnly: opts.unreadOnly, after, limit: opts.limit ?? 20 });
    return { items: page.items.map(toNotificationItem), nextCursor: page.nextCursor };
  }

  /** Idempotent: marking a read notification again keeps the first read_at. Someone else's is not found. */
  async markRead(userId: string, id: string): Promise<void> {
    if (!(await this.notifications.markRead(userId, id))) throw new NotFoundException(`notification ${id} not found`);
  }

  /** Ids that are not the caller's (or no longer exist) are skipped, not refused: the outcome the caller wants holds either way. */
  async markManyRead(userId: string, target: { ids?: string[]; all?: true }): Promise<void> {
    if (target.all) await this.notifications.markAllRead(userId);
    else await this.notifications.markManyRead(userId, target.ids ?? []);
  }

  async unreadCount(userId: string): Promise<UnreadCountDto> {
    return { unread: await this.notifications.countUnread(userId) };
  }
}

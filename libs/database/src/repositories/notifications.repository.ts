import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationKind } from '../entities';
import { Keyset, toPage } from '../keyset-cursor';
import { notMuted } from './muted';
import { rowCount } from './query-result';

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  /** null for webhook.disabled */
  uploadId: string | null;
  actorHandle: string;
  createdAt: Date;
  readAt: Date | null;
}

interface ViewRow {
  id: string;
  kind: NotificationKind;
  upload_id: string | null;
  actor_handle: string;
  created_at: Date;
  read_at: Date | null;
}

const VIEW_COLUMNS = `n.id, n.kind, n.upload_id, a.handle AS actor_handle, n.created_at, n.read_at`;
// read_at is cut to milliseconds like every created_at: what the API shows is exactly what is stored.
const NOW_MS = `date_trunc('milliseconds', now())`;

@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: DataSource) {}

  async listForUser(userId: string, opts: { unreadOnly: boolean; after: Keyset | null; limit: number }) {
    const params: unknown[] = [userId, opts.limit + 1];
    // a kind the user turned off in the app is recorded (its other channels hang off it) but not listed
    let where = `n.user_id = $1 AND ${notMuted('n.user_id', 'in_app', 'n.kind')}`;
    if (opts.unreadOnly) where += ' AND n.read_at IS NULL';
    if (opts.after) {
      params.push(opts.after.createdAt, opts.after.id);
      where += ' AND (n.created_at, n.id) < ($3, $4)';
    }
    const rows: ViewRow[] = await this.db.query(
      `SELECT ${VIEW_COLUMNS}
         FROM notifications n JOIN users a ON a.id = n.actor_id
        WHERE ${where}
        ORDER BY n.created_at DESC, n.id DESC
        LIMIT $2`,
      params,
    );
    return toPage(rows.map(toView), opts.limit);
  }

  /** The position of one of the user's notifications in their list; null when the user has no such notification. */
  async keysetOf(userId: string, id: string): Promise<Keyset | null> {
    const rows: Array<{ created_at: Date }> = await this.db.query(`SELECT created_at FROM notifications WHERE id = $1 AND user_id = $2`, [id, userId]);
    return rows[0] ? { createdAt: rows[0].created_at, id } : null;
  }

  /** The user's notifications that come after `after`, oldest first: what a stream missed. */
  async listAfter(userId: string, after: Keyset, limit: number): Promise<NotificationView[]> {
    const rows: ViewRow[] = await this.db.query(
      `SELECT ${VIEW_COLUMNS}
         FROM notifications n JOIN users a ON a.id = n.actor_id
        WHERE n.user_id = $1 AND (n.created_at, n.id) > ($2, $3) AND ${notMuted('n.user_id', 'stream', 'n.kind')}
        ORDER BY n.created_at ASC, n.id ASC
        LIMIT $4`,
      [userId, after.createdAt, after.id, limit],
    );
    return rows.map(toView);
  }

  /**
   * Marks one of the user's notifications read; one already read keeps its first read_at.
   * Returns false when the user has no such notification (someone else's does not exist for them).
   */
  async markRead(userId: string, id: string): Promise<boolean> {
    // A data-modifying CTE runs to completion whether or not the outer query reads it. n.read_at (not
    // mine.read_at) is re-checked on the latest row version, so of two racing calls only the first writes.
    const rows: Array<{ found: number }> = await this.db.query(
      `WITH mine AS (SELECT id FROM notifications WHERE id = $1 AND user_id = $2),
            marked AS (UPDATE notifications n SET read_at = ${NOW_MS} FROM mine WHERE n.id = mine.id AND n.read_at IS NULL RETURNING n.id)
       SELECT count(*)::int AS found FROM mine`,
      [id, userId],
    );
    return rows[0]!.found > 0;
  }

  /** Marks those of `ids` that are the user's and unread; ids of others, or unknown ones, are left alone. Returns how many changed. */
  async markManyRead(userId: string, ids: readonly string[]): Promise<number> {
    const result = await this.db.query(
      `UPDATE notifications SET read_at = ${NOW_MS} WHERE user_id = $1 AND id = ANY($2::uuid[]) AND read_at IS NULL`,
      [userId, ids],
    );
    return rowCount(result);
  }

  /** Every unread notification of the user (notifications_unread_idx finds them). Returns how many changed. */
  async markAllRead(userId: string): Promise<number> {
    const result = await this.db.query(`UPDATE notifications SET read_at = ${NOW_MS} WHERE user_id = $1 AND read_at IS NULL`, [userId]);
    return rowCount(result);
  }

  /** Counted off the partial notifications_unread_idx: cost grows with the unread, not with the history. */
  async countUnread(userId: string): Promise<number> {
    const rows: Array<{ unread: number }> = await this.db.query(`SELECT count(*)::int AS unread FROM notifications n WHERE n.user_id = $1 AND n.read_at IS NULL AND ${notMuted('n.user_id', 'in_app', 'n.kind')}`, [userId]);
    return rows[0]!.unread;
  }
}

function toView(r: ViewRow): NotificationView {
  return { id: r.id, kind: r.kind, uploadId: r.upload_id, actorHandle: r.actor_handle, createdAt: r.created_at, readAt: r.read_at };
}

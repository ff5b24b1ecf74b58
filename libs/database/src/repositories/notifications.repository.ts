import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationKind } from '../entities';
import { Keyset, toPage } from '../keyset-cursor';

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  uploadId: string;
  actorHandle: string;
  createdAt: Date;
  readAt: Date | null;
}

@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: DataSource) {}

  /** Idempotent: the unique (user_id, kind, upload_id) makes a replay a no-op. Returns whether a row was added. */
  async insertOnce(n: { userId: string; kind: NotificationKind; uploadId: string; actorId: string }): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO notifications (user_id, kind, upload_id, actor_id)
       SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM uploads WHERE id = $3)
       ON CONFLICT (user_id, kind, upload_id) DO NOTHING
       RETURNING id`,
      [n.userId, n.kind, n.uploadId, n.actorId],
    );
    return rows.length > 0;
  }

  async listForUser(userId: string, opts: { unreadOnly: boolean; after: Keyset | null; limit: number }) {
    const params: unknown[] = [userId, opts.limit + 1];
    let where = 'n.user_id = $1';
    if (opts.unreadOnly) where += ' AND n.read_at IS NULL';
    if (opts.after) {
      params.push(opts.after.createdAt, opts.after.id);
      where += ' AND (n.created_at, n.id) < ($3, $4)';
    }
    const rows: Array<{ id: string; kind: NotificationKind; upload_id: string; actor_handle: string; created_at: Date; read_at: Date | null }> =
      await this.db.query(
        `SELECT n.id, n.kind, n.upload_id, a.handle AS actor_handle, n.created_at, n.read_at
           FROM notifications n JOIN users a ON a.id = n.actor_id
          WHERE ${where}
          ORDER BY n.created_at DESC, n.id DESC
          LIMIT $2`,
        params,
      );
    const views: NotificationView[] = rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      uploadId: r.upload_id,
      actorHandle: r.actor_handle,
      createdAt: r.created_at,
      readAt: r.read_at,
    }));
    return toPage(views, opts.limit);
  }
}

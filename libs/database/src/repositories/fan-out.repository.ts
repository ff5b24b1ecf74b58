import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationKind } from '../entities';
import { notMuted } from './muted';

/** Where a page of followers starts and ends: follower ids, `from` inclusive, `to` exclusive; null is open. */
export interface FollowerRange {
  from: string | null;
  to: string | null;
}

export interface RecordedNotification {
  id: string;
  userId: string;
  /** ISO 8601 in UTC with milliseconds, exactly as `Date#toISOString` writes it (and the api lists it). */
  createdAt: string;
}

/**
 * created_at as text in the form of `Date#toISOString` (both truncate to the millisecond): a fan-out hands it
 * on to the live push as it is, where parsing 100,000 timestamps into Dates and back was a tenth of its garbage.
 */
const CREATED_AT_ISO = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A pending webhook delivery for every notification just added, to each enabled endpoint of its recipient that
 * takes its kind (`$3`), and an e-mail one when e-mail is on (`$4`, SMTP_URL set) and the recipient has an address: in the statement that adds the notifications, so a notification never exists without
 * its deliveries, and with no query per follower (a join on webhook_endpoints_user_idx, and a probe of
 * muted_notifications for a recipient who turned webhooks off for the kind). The notifier's dispatcher sends them.
 */
const DELIVERIES_OF_ADDED = `deliveries_added AS (
         INSERT INTO deliveries (notification_id, channel, endpoint_id)
         SELECT added.id, 'webhook', e.id FROM added JOIN webhook_endpoints e ON e.user_id = added.user_id
          WHERE e.enabled AND $3 = ANY (e.kinds) AND ${notMuted('added.user_id', 'webhook', '$3')}
         UNION ALL
         SELECT added.id, 'email', NULL FROM added JOIN users u ON u.id = added.user_id
          WHERE $4 AND u.email IS NOT NULL AND ${notMuted('added.user_id', 'email', '$3')}
         ON CONFLICT DO NOTHING
       )`;

export interface PageResult {
  /** Every follower of the page, notified now or before. */
  followerIds: string[];
  /** The notifications this call added (none on a replay). */
  added: RecordedNotification[];
  /** Those of `added` whose recipient takes this kind on the live stream. */
  streamed: RecordedNotification[];
}

/**
 * The SQL of fan-out. Followers are never all in memory and never one query each: a plan reads the first
 * follower id of every page (an index-only walk of follows_followee_idx), and each page is one statement.
 */
@Injectable()
export class FanOutRepository {
  constructor(private readonly db: DataSource) {}

  /** The follower ids that begin pages 2, 3, … of `pageSize` followers each, in follower id order. */
  async pageStarts(followeeId: string, pageSize: number): Promise<{ followers: number; starts: string[] }> {
    const rows: Array<{ follower_id: string; followers: string }> = await this.db.query(
      `SELECT follower_id, followers FROM (
         SELECT follower_id, row_number() OVER (ORDER BY follower_id) AS n, count(*) OVER () AS followers
           FROM follows WHERE followee_id = $1) ranked
        WHERE n % $2 = 1 OR $2 = 1`,
      [followeeId, pageSize],
    );
    const followers = rows.length > 0 ? Number(rows[0]!.followers) : 0;
    return { followers, starts: rows.slice(1).map((r) => r.follower_id) };
  }

  /**
   * One page in one statement: the page's followers, and a notification for each that has none yet
   * (ON CONFLICT on (user_id, kind, upload_id): a retried or replayed page adds nothing). Nothing is
   * added for an upload that is no longer done (deleted meanwhile).
   */
  async notifyPage(uploadId: string, actorId: string, kind: NotificationKind, range: FollowerRange, email = false): Promise<PageResult> {
    const params: unknown[] = [uploadId, actorId, kind, email];
    let bounds = '';
    if (range.from) {
      params.push(range.from);
      bounds += ` AND follower_id >= $${params.length}`;
    }
    if (range.to) {
      params.push(range.to);
      bounds += ` AND follower_id < $${params.length}`;
    }
    const rows: Array<{ userId: string; id: string | null; createdAt: string | null; streamed: boolean }> = await this.db.query(
      `WITH page AS (
         SELECT follower_id FROM follows WHERE followee_id = $2${bounds}
       ), added AS (
         INSERT INTO notifications (user_id, kind, upload_id, actor_id)
         SELECT follower_id, $3, $1, $2 FROM page
          WHERE EXISTS (SELECT 1 FROM uploads WHERE id = $1 AND status = 'done')
         ON CONFLICT (user_id, kind, upload_id) DO NOTHING
         RETURNING id, user_id, ${CREATED_AT_ISO} AS created_at
       ), ${DELIVERIES_OF_ADDED}
       SELECT page.follower_id AS "userId", added.id, added.created_at AS "createdAt",
              added.id IS NOT NULL AND ${notMuted('page.follower_id', 'stream', '$3')} AS streamed
         FROM page LEFT JOIN added ON added.user_id = page.follower_id`,
      params,
    );
    return {
      followerIds: rows.map((r) => r.userId),
      // The rows are already in the shape of a RecordedNotification: no copy per follower.
      added: rows.filter((r): r is RecordedNotification & { streamed: boolean } => r.id !== null),
      streamed: rows.filter((r): r is RecordedNotification & { streamed: boolean } => r.streamed),
    };
  }

  /**
   * The owner's own notification of an outcome, and whether the owner takes it on the live stream; null when it
   * is already there (a replay) or the upload is gone.
   */
  async notifyOwner(uploadId: string, ownerId: string, kind: NotificationKind, email = false): Promise<(RecordedNotification & { streamed: boolean }) | null> {
    const rows: Array<RecordedNotification & { streamed: boolean }> = await this.db.query(
      `WITH added AS (
         INSERT INTO notifications (user_id, kind, upload_id, actor_id)
         SELECT $2, $3, $1, $2 WHERE EXISTS (SELECT 1 FROM uploads WHERE id = $1)
         ON CONFLICT (user_id, kind, upload_id) DO NOTHING
         RETURNING id, user_id, ${CREATED_AT_ISO} AS created_at
       ), ${DELIVERIES_OF_ADDED}
       SELECT id, user_id AS "userId", created_at AS "createdAt", ${notMuted('user_id', 'stream', '$3')} AS streamed FROM added`,
      [uploadId, ownerId, kind, email],
    );
    return rows[0] ?? null;
  }

  /** Notifications of `kind` about the upload that these users already have and take on the stream: what a retry publishes again. */
  async existing(uploadId: string, kind: NotificationKind, userIds: readonly string[]): Promise<RecordedNotification[]> {
    if (userIds.length === 0) return [];
    return this.db.query(
      `SELECT id, user_id AS "userId", ${CREATED_AT_ISO} AS "createdAt" FROM notifications
        WHERE upload_id = $1 AND kind = $2 AND user_id = ANY($3::uuid[]) AND ${notMuted('user_id', 'stream', '$2')}`,
      [uploadId, kind, userIds],
    );
  }

  async handleOf(userId: string): Promise<string | null> {
    const rows: Array<{ handle: string }> = await this.db.query(`SELECT handle FROM users WHERE id = $1`, [userId]);
    return rows[0]?.handle ?? null;
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Keyset, toPage } from '../keyset-cursor';

/** One row of a followers / following list: the other user, and when the follow began. */
export interface FollowListEntry {
  id: string;
  handle: string;
  displayName: string | null;
  followedAt: Date;
}

interface FollowListRow {
  id: string;
  handle: string;
  display_name: string | null;
  followed_at: Date;
}

/**
 * The two directions of a list: which column is "the user", which is "the other user", and the index
 * (…, created_at DESC, other DESC) of the social migration that serves ORDER BY and the keyset together.
 */
const DIRECTION = {
  followers: { self: 'followee_id', other: 'follower_id' },
  following: { self: 'follower_id', other: 'followee_id' },
} as const;

@Injectable()
export class FollowsRepository {
  constructor(private readonly db: DataSource) {}

  /** Idempotent; returns whether a row was added (false: already following). */
  async follow(followerId: string, followeeId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
       ON CONFLICT (follower_id, followee_id) DO NOTHING
       RETURNING follower_id`,
      [followerId, followeeId],
    );
    return rows.length > 0;
  }

  /** Idempotent; returns whether a row was removed (false: was not following). */
  async unfollow(followerId: string, followeeId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING follower_id`,
      [followerId, followeeId],
    );
    return rows.length > 0;
  }

  /** A primary-key lookup: cheap enough to answer per viewer instead of caching it per pair. */
  async isFollowing(followerId: string, followeeId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2`, [followerId, followeeId]);
    return rows.length > 0;
  }

  /** Who follows `userId`, newest follow first. */
  listFollowers(userId: string, after: Keyset | null, limit: number) {
    return this.list('followers', userId, after, limit);
  }

  /** Whom `userId` follows, newest follow first. */
  listFollowing(userId: string, after: Keyset | null, limit: number) {
    return this.list('following', userId, after, limit);
  }

  private async list(direction: keyof typeof DIRECTION, userId: string, after: Keyset | null, limit: number) {
    const { self, other } = DIRECTION[direction];
    const params: unknown[] = [userId, limit + 1];
    // A tuple comparison, not created_at alone: many follows can share one millisecond, and the
    // other user's id breaks the tie in the same order as ORDER BY, so no row repeats or goes missing.
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = `AND (f.created_at, f.${other}) < ($3, $4)`;
    }
    const rows: FollowListRow[] = await this.db.query(
      `SELECT u.id, u.handle, u.display_name, f.created_at AS followed_at
         FROM follows f JOIN users u ON u.id = f.${other}
        WHERE f.${self} = $1 ${keyset}
        ORDER BY f.created_at DESC, f.${other} DESC
        LIMIT $2`,
      params,
    );
    const entries: FollowListEntry[] = rows.map((r) => ({ id: r.id, handle: r.handle, displayName: r.display_name, followedAt: r.followed_at }));
    return toPage(entries, limit, (e) => ({ createdAt: e.followedAt, id: e.id }));
  }
}

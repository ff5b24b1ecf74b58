import { MigrationInterface, QueryRunner } from 'typeorm';

/** Follows, the feed, read state and deletions: the indexes their queries walk, and a table for files to remove. */
export class Social1765000000000 implements MigrationInterface {
  name = 'Social1765000000000';

  async up(db: QueryRunner): Promise<void> {
    // Followers / following lists, newest first, keyset on (created_at, other user's id).
    await db.query(`CREATE INDEX follows_followee_created_idx ON follows (followee_id, created_at DESC, follower_id DESC)`);
    await db.query(`CREATE INDEX follows_follower_created_idx ON follows (follower_id, created_at DESC, followee_id DESC)`);
    // The feed (fan-out on read): per followee, the newest done uploads straight off the index.
    await db.query(`CREATE INDEX uploads_done_owner_created_idx ON uploads (owner_id, created_at DESC, id DESC) WHERE status = 'done'`);
    // The unread count and "mark all read" touch only unread rows.
    await db.query(`CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL`);
    // Files whose rows are gone: written in the transaction that deletes the row, removed after it
    // commits, retried by a sweeper if the process dies in between. No orphan file, no dangling row.
    await db.query(`
      CREATE TABLE storage_garbage (
        key text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS storage_garbage`);
    for (const index of ['notifications_unread_idx', 'uploads_done_owner_created_idx', 'follows_follower_created_idx', 'follows_followee_created_idx']) {
      await db.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  // created_at defaults are cut to milliseconds: keyset cursors carry a JS Date, and a
  // microsecond remainder would make the next page skip rows of the same millisecond.
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        handle text NOT NULL UNIQUE CHECK (handle ~ '^[a-z0-9_]{3,30}$'),
        display_name text,
        api_token_hash text NOT NULL UNIQUE,
        webhook_url text,
        webhook_secret text,
        email text,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      )`);
    await db.query(`
      CREATE TABLE follows (
        follower_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        followee_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        PRIMARY KEY (follower_id, followee_id),
        CHECK (follower_id <> followee_id)
      )`);
    // Fan-out pages a user's followers by keyset: (followee_id, follower_id).
    await db.query(`CREATE INDEX follows_followee_idx ON follows (followee_id, follower_id)`);
    await db.query(`
      CREATE TABLE uploads (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        caption text,
        original_key text NOT NULL,
        original_name text,
        mime text NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        width int,
        height int,
        status text NOT NULL CHECK (status IN ('queued', 'processing', 'done', 'failed')),
        failure_reason text,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        processed_at timestamptz
      )`);
    // The caller's uploads and the feed both list newest first, keyset on (created_at, id).
    await db.query(`CREATE INDEX uploads_owner_created_idx ON uploads (owner_id, created_at DESC, id DESC)`);
    await db.query(`
      CREATE TABLE thumbnails (
        upload_id uuid NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
        variant text NOT NULL,
        key text NOT NULL,
        mime text NOT NULL,
        width int NOT NULL,
        height int NOT NULL,
        bytes int NOT NULL,
        PRIMARY KEY (upload_id, variant)
      )`);
    await db.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('upload.processed', 'upload.failed', 'followee.posted')),
        upload_id uuid NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
        actor_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        read_at timestamptz,
        UNIQUE (user_id, kind, upload_id)
      )`);
    await db.query(`CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC)`);
    await db.query(`
      CREATE TABLE deliveries (
        notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
        status text NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        PRIMARY KEY (notification_id, channel)
      )`);
    await db.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        published_at timestamptz
      )`);
    // The relay only ever reads unpublished rows, oldest first.
    await db.query(`CREATE INDEX outbox_unpublished_idx ON outbox (topic, id) WHERE published_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'deliveries', 'notifications', 'thumbnails', 'uploads', 'follows', 'users']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each user turned off, per channel and kind; everything not listed is on. Only the exceptions are rows,
 * so the fan-out's check is an index probe per recipient inside its one statement (the primary key).
 */
export class Preferences1769000000000 implements MigrationInterface {
  name = 'Preferences1769000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE muted_notifications (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('in_app', 'stream', 'webhook', 'email')),
        kind text NOT NULL CHECK (kind IN ('upload.processed', 'upload.failed', 'followee.posted')),
        PRIMARY KEY (user_id, channel, kind)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS muted_notifications`);
  }
}

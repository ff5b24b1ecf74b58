import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A notification that is not about an upload: `webhook.disabled`, telling a user that darkroom stopped sending
 * to one of their endpoints. Such a notification has no upload; every other kind has one.
 */
export class EndpointNotices1770000000000 implements MigrationInterface {
  name = 'EndpointNotices1770000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notifications ALTER COLUMN upload_id DROP NOT NULL`);
    await db.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await db.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('upload.processed', 'upload.failed', 'followee.posted', 'webhook.disabled'))`);
    await db.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_upload_check CHECK ((kind = 'webhook.disabled') = (upload_id IS NULL))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM notifications WHERE kind = 'webhook.disabled'`);
    await db.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_upload_check`);
    await db.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await db.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('upload.processed', 'upload.failed', 'followee.posted'))`);
    await db.query(`ALTER TABLE notifications ALTER COLUMN upload_id SET NOT NULL`);
  }
}

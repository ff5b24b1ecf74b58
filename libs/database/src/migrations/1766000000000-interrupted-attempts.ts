import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How often a worker began developing an upload and never finished or let go of it (the process died: an
 * OOM kill, a crash on a hostile photo). Bounded by JOB_MAX_ATTEMPTS, so such a photo ends `failed`
 * instead of taking every worker down in turn for ever.
 */
export class InterruptedAttempts1766000000000 implements MigrationInterface {
  name = 'InterruptedAttempts1766000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE uploads ADD COLUMN interrupted_attempts int NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE uploads DROP COLUMN IF EXISTS interrupted_attempts`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** What keeps a photo from being stuck or looping, and the outbox relay from holding locks while it publishes. */
export class Reliability1766000000000 implements MigrationInterface {
  name = 'Reliability1766000000000';

  async up(db: QueryRunner): Promise<void> {
    // Attempts whose worker died before finishing or letting go of the upload (an OOM kill, a crash on a
    // hostile photo); at JOB_MAX_ATTEMPTS the photo ends `failed` instead of taking workers down for ever.
    await db.query(`ALTER TABLE uploads ADD COLUMN interrupted_attempts int NOT NULL DEFAULT 0`);
    // The last time the pipeline showed signs of life for an unfinished upload (accepted, an attempt begun or
    // let go, published again): the reconciler publishes again an upload silent for longer than
    // STUCK_UPLOAD_SECONDS, over a partial index of the unfinished ones only.
    await db.query(`ALTER TABLE uploads ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now()`);
    await db.query(`CREATE INDEX uploads_unfinished_touched_idx ON uploads (touched_at) WHERE status IN ('queued', 'processing')`);
    // The relay leases rows instead of locking them across its publishes: a hung broker pins no connection,
    // and a relay that dies mid-pass leaves the rows to another once the lease runs out.
    await db.query(`ALTER TABLE outbox ADD COLUMN claimed_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox DROP COLUMN IF EXISTS claimed_until`);
    await db.query(`DROP INDEX IF EXISTS uploads_unfinished_touched_idx`);
    await db.query(`ALTER TABLE uploads DROP COLUMN IF EXISTS touched_at`);
    await db.query(`ALTER TABLE uploads DROP COLUMN IF EXISTS interrupted_attempts`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay claims outbox rows with a lease instead of a row lock held while it publishes: a broker that
 * blocks or hangs can no longer pin a database connection and its transaction. A relay that dies holding
 * a lease leaves the rows to another once it runs out.
 */
export class OutboxLease1766000000001 implements MigrationInterface {
  name = 'OutboxLease1766000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox ADD COLUMN claimed_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox DROP COLUMN IF EXISTS claimed_until`);
  }
}

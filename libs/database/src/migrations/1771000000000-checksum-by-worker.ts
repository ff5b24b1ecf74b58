import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sha256 of an original is computed by the worker that develops it, not by the api while the bytes arrive:
 * hashing every byte was a quarter of the api's CPU per upload (bench/ingest.js), and the worker reads the
 * original anyway. Until an upload is developed its sha256 is null.
 */
export class ChecksumByWorker1771000000000 implements MigrationInterface {
  name = 'ChecksumByWorker1771000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE uploads ALTER COLUMN sha256 DROP NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    // The old schema has no room for "not known yet": such rows get the hash of nothing, which no photo has.
    await db.query(`UPDATE uploads SET sha256 = encode(sha256(''::bytea), 'hex') WHERE sha256 IS NULL`);
    await db.query(`ALTER TABLE uploads ALTER COLUMN sha256 SET NOT NULL`);
  }
}

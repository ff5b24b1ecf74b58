import { MigrationInterface, QueryRunner } from 'typeorm';

/** The placeholder a page paints while a photo's thumbnail loads. */
export class Thumbhash1767000000000 implements MigrationInterface {
  name = 'Thumbhash1767000000000';

  async up(db: QueryRunner): Promise<void> {
    // The ThumbHash the worker computes with the thumbnails, base64 (about 34 characters); NULL until the photo
    // is done, and for photos developed before this column existed (the page then shows a plain placeholder).
    await db.query(`ALTER TABLE uploads ADD COLUMN thumbhash text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE uploads DROP COLUMN IF EXISTS thumbhash`);
  }
}

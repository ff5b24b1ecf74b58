import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Files whose rows are gone. A key is recorded in the transaction that deletes its row, and forgotten once the
 * file is removed: a process that dies in between leaves the key here for the sweeper, never an orphan file,
 * and the row is never left pointing at a file that was removed first.
 */
@Injectable()
export class StorageGarbageRepository {
  constructor(private readonly db: DataSource) {}

  static async record(tx: EntityManager, keys: readonly string[]): Promise<void> {
    await tx.query(`INSERT INTO storage_garbage (key) SELECT unnest($1::text[]) ON CONFLICT (key) DO NOTHING`, [keys]);
  }

  /** Keys recorded at least `olderThanMs` ago: a live request removes its own files well within that. */
  async pending(olderThanMs: number, limit: number): Promise<string[]> {
    const rows: Array<{ key: string }> = await this.db.query(
      `SELECT key FROM storage_garbage WHERE created_at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY created_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => r.key);
  }

  async forget(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.db.query(`DELETE FROM storage_garbage WHERE key = ANY($1::text[])`, [keys]);
  }
}

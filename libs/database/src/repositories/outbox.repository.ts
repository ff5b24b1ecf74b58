import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
}

@Injectable()
export class OutboxRepository {
  constructor(private readonly db: DataSource) {}

  /** Called inside the caller's transaction, so the event exists exactly when the change it announces does. */
  static async add(tx: EntityManager, topic: string, payload: object): Promise<void> {
    await tx.query(`INSERT INTO outbox (topic, payload) VALUES ($1, $2)`, [topic, JSON.stringify(payload)]);
  }

  /**
   * Locks up to `limit` unpublished rows of the given topics (SKIP LOCKED, so
   * several relays share the work), hands them to `publish` in order and marks
   * the ones it published. The first publish that throws ends the pass: the
   * rows published before it are still marked (the transaction commits), and
   * the error is returned, not thrown, so the relay can back off.
   */
  async publishPending(topics: string[], limit: number, publish: (row: OutboxRow) => Promise<void>): Promise<{ published: number; claimed: number; error?: unknown }> {
    return this.db.transaction(async (tx) => {
      const rows: OutboxRow[] = await tx.query(
        `SELECT id, topic, payload FROM outbox
          WHERE published_at IS NULL AND topic = ANY($1)
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [topics, limit],
      );
      const published: string[] = [];
      let error: unknown;
      for (const row of rows) {
        try {
          await publish(row);
        } catch (e) {
          error = e;
          break;
        }
        published.push(row.id);
      }
      if (published.length > 0) {
        await tx.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [published]);
      }
      return { published: published.length, claimed: rows.length, error };
    });
  }
}

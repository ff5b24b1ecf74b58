import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from './query-result';

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
   * Claims up to `limit` unpublished rows of the given topics with a lease of `leaseSeconds` (one short
   * statement; SKIP LOCKED and the lease let several relays share the work), hands them to `publish` in order
   * outside any transaction, then marks the ones it published and gives the rest back at once. The first
   * publish that throws ends the pass; the error is returned, not thrown, so the relay can back off. No row
   * lock or transaction is held across a network call: a hung broker pins no database connection. A relay
   * that dies mid-pass leaves its rows leased until the lease runs out; another relay then publishes them again.
   */
  async publishPending(
    topics: string[],
    limit: number,
    publish: (row: OutboxRow) => Promise<void>,
    leaseSeconds = 60,
  ): Promise<{ published: number; claimed: number; error?: unknown }> {
    const claimed = returnedRows<OutboxRow>(
      await this.db.query(
        `UPDATE outbox SET claimed_until = now() + make_interval(secs => $3)
          WHERE id IN (
            SELECT id FROM outbox
             WHERE published_at IS NULL AND topic = ANY($1) AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING id, topic, payload`,
        [topics, limit, leaseSeconds],
      ),
    ).sort((a, b) => Number(a.id) - Number(b.id)); // RETURNING keeps no order
    const published: string[] = [];
    let error: unknown;
    for (const row of claimed) {
      try {
        await publish(row);
      } catch (e) {
        error = e;
        break;
      }
      published.push(row.id);
    }
    const unpublished = claimed.slice(published.length).map((row) => row.id);
    if (published.length > 0) await this.db.query(`UPDATE outbox SET published_at = now(), claimed_until = NULL WHERE id = ANY($1::bigint[])`, [published]);
    if (unpublished.length > 0) await this.db.query(`UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[])`, [unpublished]);
    return { published: published.length, claimed: claimed.length, error };
  }
}

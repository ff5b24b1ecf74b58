import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { UploadNotificationKind } from '../entities';
import { returnedRows, rowCount } from './query-result';

/** An endpoint as its owner sees it: never its secrets. */
export interface WebhookEndpoint {
  id: string;
  userId: string;
  url: string;
  kinds: UploadNotificationKind[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: Date;
}

export interface NewWebhookEndpoint {
  url: string;
  kinds: UploadNotificationKind[];
  secret: string;
}

const COLUMNS = `id, user_id AS "userId", url, kinds, enabled, disabled_reason AS "disabledReason", created_at AS "createdAt"`;

@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Adds an endpoint unless the user has `maxPerUser` already ('limit'). The owner's row is locked first, so
   * two requests at once cannot both take the last place.
   */
  async create(userId: string, endpoint: NewWebhookEndpoint, maxPerUser: number): Promise<WebhookEndpoint | 'limit'> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
      const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE user_id = $1`, [userId]);
      if (n >= maxPerUser) return 'limit';
      return WebhookEndpointsRepository.insert(tx, userId, endpoint);
    });
  }

  /** Inside a transaction of the caller's (sign-up registers its first endpoint with the user). */
  static async insert(tx: EntityManager, userId: string, endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    const [row] = await tx.query(`INSERT INTO webhook_endpoints (user_id, url, kinds, secret) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`, [userId, endpoint.url, endpoint.kinds, endpoint.secret]);
    return row as WebhookEndpoint;
  }

  listByUser(userId: string): Promise<WebhookEndpoint[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  }

  async findOwned(id: string, userId: string): Promise<WebhookEndpoint | null> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND user_id = $2`, [id, userId]);
    return (row as WebhookEndpoint | undefined) ?? null;
  }

  /** Its deliveries go with it (ON DELETE CASCADE). */
  async deleteOwned(id: string, userId: string): Promise<boolean> {
    return rowCount(await this.db.query(`DELETE FROM webhook_endpoints WHERE id = $1 AND user_id = $2`, [id, userId])) > 0;
  }

  /**
   * A new signing secret; the one it replaces keeps signing alongside it until `previousUntil` (a receiver that
   * has not switched yet still finds a signature it can check). A second rotation within that time drops the
   * oldest. null when the user has no such endpoint.
   */
  async rotateSecret(id: string, userId: string, secret: string, previousUntil: Date): Promise<WebhookEndpoint | null> {
    const rows = returnedRows<WebhookEndpoint>(
      await this.db.query(
        `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $4, secret = $3
          WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
        [id, userId, secret, previousUntil],
      ),
    );
    return rows[0] ?? null;
  }
}

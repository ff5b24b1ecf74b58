import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NotificationKind } from '../entities';
import { type Keyset, toPage } from '../keyset-cursor';
import { returnedRows, rowCount } from './query-result';

/** A webhook delivery the dispatcher has claimed: everything it needs to send it, in one row. */
export interface DueDelivery {
  id: string;
  /** Attempts made before this one. */
  attempts: number;
  endpointId: string;
  url: string;
  /** The endpoint's secret, then the previous one while it still signs. */
  secrets: string[];
  notification: { id: string; userId: string; kind: NotificationKind; uploadId: string | null; actorHandle: string; createdAt: string };
}

/** One e-mail to send: one notification, or (in digest mode) every pending one of a user. */
export interface EmailBatch {
  userId: string;
  email: string;
  handle: string;
  deliveries: Array<{ id: string; attempts: number; notification: DueDelivery['notification'] }>;
}

export interface DeliveryView {
  id: string;
  notificationId: string;
  kind: NotificationKind;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** What became of one attempt. */
export type AttemptOutcome =
  | { delivered: true; statusCode: number }
  | { delivered: false; statusCode: number | null; error: string; retryAt: Date | null };

/**
 * The webhook delivery log, which is also its queue: rows are due at next_attempt_at and claimed with a lease
 * (claimed_until, SKIP LOCKED), as the outbox relay claims its rows, so any number of notifiers share the work,
 * a notifier killed mid-send leaves its rows to another once the lease runs out, and no lock or transaction is
 * held while a receiver is called.
 */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /** Up to `limit` due deliveries, oldest due first, leased for `leaseSeconds`. */
  async claimDue(limit: number, leaseSeconds: number): Promise<DueDelivery[]> {
    const rows: Array<Omit<DueDelivery, 'notification'> & { n_id: string; n_user: string; n_kind: NotificationKind; n_upload: string; n_actor: string; n_created: string }> = returnedRows(
      await this.db.query(
        `UPDATE deliveries d SET claimed_until = now() + make_interval(secs => $2)
           FROM (SELECT id FROM deliveries
                  WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
                  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due,
                webhook_endpoints e, notifications n, users actor
          WHERE d.id = due.id AND e.id = d.endpoint_id AND n.id = d.notification_id AND actor.id = n.actor_id
          RETURNING d.id, d.attempts, e.id AS "endpointId", e.url,
                    array_remove(ARRAY[e.secret, CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END], NULL) AS secrets,
                    n.id AS n_id, n.user_id AS n_user, n.kind AS n_kind, n.upload_id AS n_upload, actor.handle AS n_actor,
                    to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS n_created`,
        [limit, leaseSeconds],
      ),
    );
    return rows.map(({ n_id, n_user, n_kind, n_upload, n_actor, n_created, ...delivery }) => ({
      ...delivery,
      notification: { id: n_id, userId: n_user, kind: n_kind, uploadId: n_upload, actorHandle: n_actor, createdAt: n_created },
    }));
  }

  /**
   * Due e-mail deliveries, leased for `leaseSeconds`, in at most `limit` e-mails: with `digestSeconds` 0 one per
   * delivery, else one per user whose oldest pending e-mail delivery has waited that long (all of the user's
   * pending ones go in it).
   */
  async claimDueEmails(limit: number, digestSeconds: number, leaseSeconds: number): Promise<EmailBatch[]> {
    const rows: Array<{ id: string; attempts: number; batch: string; user_id: string; email: string; handle: string; n_id: string; n_kind: NotificationKind; n_upload: string; n_actor: string; n_created: string }> = returnedRows(
      await this.db.query(
        `WITH due AS (
           SELECT d.id, n.user_id, d.created_at, CASE WHEN $2 > 0 THEN n.user_id ELSE d.id END AS batch
             FROM deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.channel = 'email' AND d.status = 'pending' AND d.next_attempt_at <= now()
              AND (d.claimed_until IS NULL OR d.claimed_until < now())
            FOR UPDATE OF d SKIP LOCKED
         ), batches AS (
           SELECT batch FROM due GROUP BY batch HAVING min(created_at) <= now() - make_interval(secs => $2) ORDER BY min(created_at) LIMIT $1
         )
         UPDATE deliveries d SET claimed_until = now() + make_interval(secs => $3)
           FROM due JOIN batches USING (batch), notifications n, users u, users actor
          WHERE d.id = due.id AND n.id = d.notification_id AND u.id = n.user_id AND actor.id = n.actor_id
          RETURNING d.id, d.attempts, due.batch, u.id AS user_id, u.email, u.handle,
                    n.id AS n_id, n.kind AS n_kind, n.upload_id AS n_upload, actor.handle AS n_actor,
                    to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS n_created`,
        [limit, digestSeconds, leaseSeconds],
      ),
    );
    const batches = new Map<string, EmailBatch>();
    for (const r of rows.sort((a, b) => a.n_created.localeCompare(b.n_created))) {
      const batch = batches.get(r.batch) ?? { userId: r.user_id, email: r.email, handle: r.handle, deliveries: [] };
      batch.deliveries.push({ id: r.id, attempts: r.attempts, notification: { id: r.n_id, userId: r.user_id, kind: r.n_kind, uploadId: r.n_upload, actorHandle: r.n_actor, createdAt: r.n_created } });
      batches.set(r.batch, batch);
    }
    return [...batches.values()];
  }

  /**
   * Records an attempt and lets go of the lease. Delivered, or given up (`retryAt` null): final, and the
   * endpoint's run of given-up deliveries is reset or grows. Otherwise due again at `retryAt`. Only a row still
   * pending is touched, so a late answer cannot undo a delivery recorded meanwhile. Returns the endpoint's run of
   * consecutive given-up deliveries after this one (0 when delivered), or null when nothing was recorded.
   */
  async recordAttempt(id: string, outcome: AttemptOutcome): Promise<number | null> {
    const final = outcome.delivered || outcome.retryAt === null;
    const status = outcome.delivered ? 'delivered' : final ? 'failed' : 'pending';
    const rows = returnedRows<{ failures: number }>(
      await this.db.query(
        `WITH attempt AS (
           UPDATE deliveries SET attempts = attempts + 1, status = $2, last_status_code = $3, last_error = $4,
                  next_attempt_at = COALESCE($5, next_attempt_at), claimed_until = NULL,
                  delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
            WHERE id = $1 AND status = 'pending'
            RETURNING endpoint_id
         )
         UPDATE webhook_endpoints e SET consecutive_failures = CASE WHEN $2 = 'delivered' THEN 0 ELSE e.consecutive_failures + 1 END
           FROM attempt WHERE e.id = attempt.endpoint_id AND $6
         RETURNING e.consecutive_failures AS failures`,
        [id, status, outcome.statusCode, outcome.delivered ? null : outcome.error, outcome.delivered ? null : outcome.retryAt, final],
      ),
    );
    if (rows.length > 0) return rows[0]!.failures;
    return final ? null : 0;
  }

  /**
   * Stops sending to an endpoint that keeps failing: its pending deliveries end `failed`, and its owner gets a
   * `webhook.disabled` notification (with an e-mail delivery when `email` is on and they have an address), all
   * in one transaction. Returns that notification and the owner's handle, or null when the endpoint was not
   * enabled (another notifier got there first).
   */
  async disableEndpoint(endpointId: string, reason: string, email: boolean): Promise<{ notice: { id: string; userId: string; createdAt: string }; handle: string } | null> {
    return this.db.transaction(async (tx) => {
      const disabled = returnedRows<{ user_id: string }>(
        await tx.query(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2 WHERE id = $1 AND enabled RETURNING user_id`, [endpointId, reason]),
      );
      if (disabled.length === 0) return null;
      await tx.query(`UPDATE deliveries SET status = 'failed', last_error = $2, claimed_until = NULL WHERE endpoint_id = $1 AND status = 'pending'`, [endpointId, `not sent: ${reason}`]);
      const [notice]: Array<{ id: string; userId: string; createdAt: string; handle: string }> = await tx.query(
        `WITH notice AS (
           INSERT INTO notifications (user_id, kind, upload_id, actor_id) VALUES ($1, 'webhook.disabled', NULL, $1)
           RETURNING id, user_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
         ), mail AS (
           INSERT INTO deliveries (notification_id, channel) SELECT notice.id, 'email' FROM notice JOIN users u ON u.id = notice.user_id WHERE $2 AND u.email IS NOT NULL
         )
         SELECT notice.id, notice.user_id AS "userId", notice.created_at AS "createdAt", u.handle FROM notice JOIN users u ON u.id = notice.user_id`,
        [disabled[0]!.user_id, email],
      );
      const { handle, ...recorded } = notice!;
      return { notice: recorded, handle };
    });
  }

  /** An endpoint's deliveries, newest first, for its owner. */
  async listForEndpoint(endpointId: string, userId: string, after: Keyset | null, limit: number): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const rows: DeliveryView[] = await this.db.query(
      `SELECT d.id, d.notification_id AS "notificationId", n.kind, d.status, d.attempts, d.last_status_code AS "lastStatusCode",
              d.last_error AS "lastError", CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS "nextAttemptAt",
              d.delivered_at AS "deliveredAt", d.created_at AS "createdAt"
         FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN notifications n ON n.id = d.notification_id
        WHERE d.endpoint_id = $1 AND e.user_id = $2 ${after ? 'AND (d.created_at, d.id) < ($4, $5)' : ''}
        ORDER BY d.created_at DESC, d.id DESC LIMIT $3`,
      after ? [endpointId, userId, limit + 1, after.createdAt, after.id] : [endpointId, userId, limit + 1],
    );
    return toPage(rows, limit);
  }

  /**
   * Sends a finished delivery again, as a fresh run of the schedule with the same webhook-id (receivers may
   * drop it as a repeat). false when the owner has no such delivery, or it is still pending.
   */
  async resend(deliveryId: string, endpointId: string, userId: string): Promise<boolean> {
    return (
      rowCount(
        await this.db.query(
          `UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now(), claimed_until = NULL, delivered_at = NULL
             FROM webhook_endpoints e
            WHERE d.id = $1 AND d.endpoint_id = $2 AND e.id = d.endpoint_id AND e.user_id = $3 AND e.enabled AND d.status <> 'pending'`,
          [deliveryId, endpointId, userId],
        ),
      ) > 0
    );
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ThumbnailEntity, UploadEntity } from '../entities';
import { Keyset, toPage } from '../keyset-cursor';
import { OutboxRepository } from './outbox.repository';
import { StorageGarbageRepository } from './storage-garbage.repository';
import { returnedRows, rowCount } from './query-result';

export type NewUpload = Pick<
  UploadEntity,
  'id' | 'ownerId' | 'caption' | 'originalKey' | 'originalName' | 'mime' | 'bytes' | 'createdAt'
>;

export interface OutboxEvent {
  topic: string;
  payload: object;
}

export interface StuckUpload {
  id: string;
  ownerId: string;
  originalKey: string;
  mime: string;
  status: 'queued' | 'processing';
}

export type NewThumbnail = Omit<ThumbnailEntity, 'uploadId'>;
/** What developing an upload learnt of its original: displayed size, ThumbHash, and the sha256 of its bytes. */
export interface DevelopedPhoto {
  width: number;
  height: number;
  thumbhash: string;
  sha256: string;
}

@Injectable()
export class UploadsRepository {
  constructor(private readonly db: DataSource) {}

  /** The upload row and the event announcing it commit together, or neither does. */
  async insertQueued(upload: NewUpload, event: OutboxEvent): Promise<void> {
    // One statement (a data-modifying CTE is atomic with the query around it): one round trip on the upload
    // path instead of BEGIN, two INSERTs and COMMIT, each a wake-up of Postgres competing for the same cores.
    await this.db.query(
      `WITH upload AS (
         INSERT INTO uploads (id, owner_id, caption, original_key, original_name, mime, bytes, status, attempts, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8)
       )
       INSERT INTO outbox (topic, payload) VALUES ($9, $10)`,
      [upload.id, upload.ownerId, upload.caption, upload.originalKey, upload.originalName, upload.mime, upload.bytes, upload.createdAt, event.topic, JSON.stringify(event.payload)],
    );
  }

  /**
   * Unfinished uploads the pipeline has shown no sign of life for in `silentSeconds` (their message lost, or
   * parked where no worker looks): each gets a new outbox event from `eventOf` and its clock reset, in one
   * transaction; SKIP LOCKED lets every api replica run this at once.
   */
  async republishSilent(silentSeconds: number, limit: number, eventOf: (upload: StuckUpload) => OutboxEvent): Promise<StuckUpload[]> {
    return this.db.transaction(async (tx) => {
      const stuck = returnedRows<StuckUpload>(
        await tx.query(
          `UPDATE uploads u SET touched_at = now()
             FROM (SELECT id FROM uploads
                    WHERE status IN ('queued', 'processing') AND touched_at < now() - make_interval(secs => $1)
                    ORDER BY touched_at LIMIT $2 FOR UPDATE SKIP LOCKED) silent
            WHERE u.id = silent.id
            RETURNING u.id, u.owner_id AS "ownerId", u.original_key AS "originalKey", u.mime, u.status`,
          [silentSeconds, limit],
        ),
      );
      for (const upload of stuck) {
        const event = eventOf(upload);
        await OutboxRepository.add(tx, event.topic, event.payload);
      }
      return stuck;
    });
  }

  /**
   * Puts a failed upload back in the queue, as new (attempts and deaths forgotten), for an operator who
   * replays its dead-lettered message; false when it is not `failed` (finished, or never failed).
   */
  async requeueFailed(id: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE uploads SET status = 'queued', failure_reason = NULL, processed_at = NULL, attempts = 0, interrupted_attempts = 0, touched_at = now()
        WHERE id = $1 AND status = 'failed'`,
      [id],
    );
    return rowCount(result) > 0;
  }

  /** Which of these ids have a row (any status): an original whose id has none is an orphan. */
  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: Array<{ id: string }> = await this.db.query(`SELECT id FROM uploads WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  findById(id: string): Promise<UploadEntity | null> {
    return this.db.getRepository(UploadEntity).findOneBy({ id });
  }

  /** Visible = owned by the viewer, or done and posted by someone the viewer follows. */
  findVisible(id: string, viewerId: string): Promise<UploadEntity | null> {
    return this.db
      .getRepository(UploadEntity)
      .createQueryBuilder('u')
      .where('u.id = :id', { id })
      .andWhere(
        `(u.owner_id = :viewerId OR (u.status = 'done' AND EXISTS (
           SELECT 1 FROM follows f WHERE f.follower_id = :viewerId AND f.followee_id = u.owner_id)))`,
        { viewerId },
      )
      .getOne();
  }

  async listByOwner(ownerId: string, after: Keyset | null, limit: number) {
    const query = this.db
      .getRepository(UploadEntity)
      .createQueryBuilder('u')
      .where('u.owner_id = :ownerId', { ownerId })
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1);
    if (after) {
      query.andWhere('(u.created_at, u.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    }
    return toPage(await query.getMany(), limit);
  }

  thumbnailsOf(uploadIds: string[]): Promise<ThumbnailEntity[]> {
    if (uploadIds.length === 0) return Promise.resolve([]);
    return this.db
      .getRepository(ThumbnailEntity)
      .createQueryBuilder('t')
      .where('t.upload_id = ANY(:uploadIds)', { uploadIds })
      .orderBy('t.width', 'ASC')
      .getMany();
  }

  /**
   * Deletes the caller's own upload; thumbnails, notifications and deliveries go with it (ON DELETE CASCADE).
   * The files to remove (`fileKeys(originalKey)`) are recorded as garbage in the same transaction.
   * Returns those keys, or null when there is no such upload of this owner.
   */
  async deleteOwned(id: string, ownerId: string, fileKeys: (originalKey: string) => string[]): Promise<string[] | null> {
    return this.db.transaction(async (tx) => {
      const result: unknown = await tx.query(`DELETE FROM uploads WHERE id = $1 AND owner_id = $2 RETURNING original_key`, [id, ownerId]);
      const row = returnedRows<{ original_key: string }>(result)[0];
      if (!row) return null;
      const keys = fileKeys(row.original_key);
      await StorageGarbageRepository.record(tx, keys);
      return keys;
    });
  }

  /**
   * Counts a processing attempt and marks the upload `processing`; null when it is gone or already finished.
   * An upload that is still `processing` when an attempt begins was left so by a worker that died holding it
   * (every other way out of an attempt finishes it or lets it go): that is counted in `interrupted`.
   */
  async startAttempt(id: string): Promise<{ interrupted: number } | null> {
    const result = await this.db.query(
      `UPDATE uploads SET status = 'processing', attempts = attempts + 1, touched_at = now(),
              interrupted_attempts = interrupted_attempts + CASE WHEN status = 'processing' THEN 1 ELSE 0 END
        WHERE id = $1 AND status IN ('queued', 'processing')
        RETURNING interrupted_attempts`,
      [id],
    );
    const [row] = returnedRows<{ interrupted_attempts: number }>(result);
    return row ? { interrupted: row.interrupted_attempts } : null;
  }

  /** An attempt that ends without finishing (deferred, or retried later) lets go of the upload: `queued` again. */
  async releaseAttempt(id: string): Promise<void> {
    await this.db.query(`UPDATE uploads SET status = 'queued', touched_at = now() WHERE id = $1 AND status = 'processing'`, [id]);
  }

  /**
   * Thumbnails, dimensions, ThumbHash, `done` and the outbox event in one transaction.
   * Returns false (and writes nothing) when the upload was deleted or finished meanwhile.
   */
  async markDone(id: string, photo: DevelopedPhoto, thumbnails: NewThumbnail[], event: OutboxEvent): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query(
        `UPDATE uploads SET status = 'done', width = $2, height = $3, thumbhash = $4, sha256 = $5, failure_reason = NULL, processed_at = now()
          WHERE id = $1 AND status IN ('queued', 'processing')`,
        [id, photo.width, photo.height, photo.thumbhash, photo.sha256],
      );
      if (rowCount(result) === 0) return false;
      for (const t of thumbnails) {
        await tx.query(
          `INSERT INTO thumbnails (upload_id, variant, key, mime, width, height, bytes)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (upload_id, variant) DO UPDATE
             SET key = EXCLUDED.key, mime = EXCLUDED.mime, width = EXCLUDED.width, height = EXCLUDED.height, bytes = EXCLUDED.bytes`,
          [id, t.variant, t.key, t.mime, t.width, t.height, t.bytes],
        );
      }
      await OutboxRepository.add(tx, event.topic, event.payload);
      return true;
    });
  }

  /** `failed` with a reason and the outbox event, unless the upload is gone or already finished. */
  async markFailed(id: string, reason: string, event: OutboxEvent): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query(
        `UPDATE uploads SET status = 'failed', failure_reason = $2, processed_at = now()
          WHERE id = $1 AND status IN ('queued', 'processing')`,
        [id, reason],
      );
      if (rowCount(result) === 0) return false;
      await OutboxRepository.add(tx, event.topic, event.payload);
      return true;
    });
  }
}

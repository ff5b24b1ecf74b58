import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { ImageUploadedV1, thumbnailFolder, thumbnailKey, UPLOAD_FAILED, UPLOAD_PROCESSED, UploadEventV1, VARIANT_NAMES } from '@darkroom/contracts';
import { UploadsRepository } from '@darkroom/database';
import { JobOutcome, OutboxRelay } from '@darkroom/messaging';
import { PhotoStore } from '@darkroom/storage';
import { hidePaths, RenderedPhoto, ThumbnailRenderer, UndecodableImageError } from './thumbnail-renderer';
import { checksumOf } from './original-checksum';
import { isTransient } from './transient-error';

export const UPLOAD_EVENTS_RELAY = Symbol('UPLOAD_EVENTS_RELAY');
export const UPLOADS_DEVELOPED = 'darkroom_uploads_developed_total';
export const uploadsDeveloped = makeCounterProvider({
  name: UPLOADS_DEVELOPED,
  help: 'Uploads this worker finished, by result: done (thumbnails recorded) or failed (recorded as undecodable or given up)',
  labelNames: ['result'],
});

export interface Attempt {
  number: number;
  /** JOB_MAX_ATTEMPTS: also the bound on attempts interrupted by a worker's death. */
  max: number;
  isLast: boolean;
}

/**
 * Turns one uploaded original into thumbnails and records the result. Safe to
 * run twice for the same upload (redelivery): files are overwritten
 * atomically, rows upserted, and a finished upload is left alone.
 */
@Injectable()
export class DevelopUploadService {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly store: PhotoStore,
    private readonly renderer: ThumbnailRenderer,
    @Inject(UPLOAD_EVENTS_RELAY) private readonly relay: OutboxRelay,
    private readonly log: PinoLogger,
    @InjectMetric(UPLOADS_DEVELOPED) private readonly developed: Counter<string>,
  ) {
    this.log.setContext(DevelopUploadService.name);
  }

  /**
   * Errors are sorted by what they are (transient-error.ts), not by the step that raised them. A dependency
   * that is down, slow or full (Postgres, the volume) costs nothing: the message is deferred, as often as it
   * takes, so an outage never turns good photos into failures or strands them. Anything else (a decoder's
   * surprise, a constraint, a bug) costs an attempt: after JOB_MAX_ATTEMPTS the upload is recorded `failed`
   * with the last error and the message dead-lettered. An undecodable photo fails at once. A photo that kills
   * its worker (each death leaves the upload `processing`) fails after JOB_MAX_ATTEMPTS such deaths.
   */
  async develop(message: ImageUploadedV1, attempt: Attempt): Promise<JobOutcome> {
    this.log.assign({ uploadId: message.uploadId, requestId: message.requestId });
    const job: Job = { message, attempt, started: performance.now(), event: { version: 1, uploadId: message.uploadId, ownerId: message.ownerId, requestId: message.requestId } };

    let start: { interrupted: number } | null;
    try {
      start = await this.uploads.startAttempt(message.uploadId);
    } catch (error) {
      return this.afterError(job, 'recording the attempt', error);
    }
    if (!start) {
      this.log.info('upload is gone or already finished; nothing to do');
      // Deleted while an earlier delivery had written thumbnails and died before recording them.
      if (!(await this.uploads.findById(message.uploadId))) await this.removeThumbnailsOfDeleted(message.uploadId);
      return 'done';
    }
    if (start.interrupted >= attempt.max) {
      const reason = `processing was interrupted ${start.interrupted} times: the worker died while developing this photo (out of memory, or killed)`;
      this.log.error({ interrupted: start.interrupted }, 'giving up on a photo that keeps killing its worker; the message goes to the dead-letter queue');
      return this.fail(job, reason, 'reject');
    }
    this.log.info({ attempt: attempt.number, interrupted: start.interrupted }, 'developing upload');

    let photo: RenderedPhoto;
    try {
      photo = await this.renderer.render(this.store.localPath(message.originalKey));
    } catch (error) {
      if (error instanceof UndecodableImageError) return this.fail(job, error.reason, 'done'); // expected, recorded: nothing to retry
      return this.afterError(job, 'processing', error);
    }
    let sha256: string;
    try {
      sha256 = await checksumOf(this.store, message.originalKey);
    } catch (error) {
      return this.afterError(job, 'reading the original', error);
    }

    const thumbnails = photo.variants.map((v) => ({
      variant: v.variant,
      key: thumbnailKey(message.uploadId, v.variant),
      mime: 'image/webp',
      width: v.width,
      height: v.height,
      bytes: v.data.length,
    }));
    let recorded: boolean;
    try {
      for (const v of photo.variants) await this.store.write(thumbnailKey(message.uploadId, v.variant), v.data);
      recorded = await this.uploads.markDone(message.uploadId, { width: photo.width, height: photo.height, thumbhash: photo.thumbhash, sha256 }, thumbnails, { topic: UPLOAD_PROCESSED, payload: job.event });
    } catch (error) {
      return this.afterError(job, 'storing the thumbnails', error);
    }
    if (!recorded) {
      // Another delivery finished it first (same files, same bytes), or it was deleted meanwhile.
      this.log.info('upload was finished or removed meanwhile; nothing recorded');
      const deleted = await this.uploads.findById(message.uploadId).then((u) => u === null, () => false);
      if (deleted) await this.removeThumbnailsOfDeleted(message.uploadId);
      return 'done';
    }
    this.relay.kick();
    this.developed.inc({ result: 'done' });
    this.log.info(
      {
        ms: Math.round(performance.now() - job.started),
        size: `${photo.width}x${photo.height}`,
        variants: thumbnails.map((t) => `${t.variant} ${t.width}x${t.height} ${t.bytes}B`),
      },
      'upload developed',
    );
    return 'done';
  }

  /** Transient: let go and defer. Otherwise: let go and retry, or on the last attempt record `failed` and dead-letter. */
  private async afterError(job: Job, step: string, error: unknown): Promise<JobOutcome> {
    const message = hidePaths(error instanceof Error ? error.message : String(error));
    if (isTransient(error)) {
      await this.release(job);
      this.log.warn({ err: error }, `${step} failed (${message}); a dependency is unavailable, so the message will come back without counting an attempt`);
      return 'defer';
    }
    if (!job.attempt.isLast) {
      await this.release(job);
      this.log.warn({ err: error }, `${step} failed (${message}); retrying as attempt ${job.attempt.number + 1} of ${job.attempt.max}`);
      return 'retry';
    }
    this.log.error({ err: error }, `${step} failed on the last attempt; giving up on this photo, the message goes to the dead-letter queue`);
    return this.fail(job, `${step} failed ${job.attempt.number} times; last error: ${message}`, 'reject');
  }

  /**
   * Records `failed` and returns `then`. An upload that was finished or deleted meanwhile is not failed (nor
   * counted) again. If the failure cannot be written because a dependency is down, the message waits; if the
   * database refuses it outright, the message is dead-lettered rather than deferred for ever.
   */
  private async fail(job: Job, reason: string, then: JobOutcome): Promise<JobOutcome> {
    let recorded: boolean;
    try {
      recorded = await this.uploads.markFailed(job.message.uploadId, reason, { topic: UPLOAD_FAILED, payload: job.event });
    } catch (error) {
      if (isTransient(error)) {
        await this.release(job);
        this.log.warn({ err: error }, 'recording the failure failed; a dependency is unavailable, so the message will come back without counting an attempt');
        return 'defer';
      }
      this.log.error({ err: error, reason }, 'the database refused to record the failure; the message goes to the dead-letter queue');
      return 'reject';
    }
    if (!recorded) {
      this.log.info('upload was finished or removed meanwhile; not recorded as failed');
      return then === 'reject' ? 'done' : then;
    }
    this.relay.kick();
    this.developed.inc({ result: 'failed' });
    this.log.warn({ ms: Math.round(performance.now() - job.started), reason }, 'upload failed');
    return then;
  }

  /** Back to `queued` (so the next attempt does not count a death); if even that fails, the next one does, within the bound. */
  private async release(job: Job): Promise<void> {
    await this.uploads.releaseAttempt(job.message.uploadId).catch((error: unknown) => this.log.warn({ err: error }, 'could not mark the upload queued again'));
  }

  /** DELETE removed the row (and its files) while this worker was writing: what it wrote must not outlive it. */
  private async removeThumbnailsOfDeleted(uploadId: string): Promise<void> {
    try {
      for (const variant of VARIANT_NAMES) await this.store.delete(thumbnailKey(uploadId, variant));
      await this.store.prune(thumbnailFolder(uploadId));
    } catch (error) {
      this.log.warn({ err: error }, 'removing the thumbnails of a deleted upload failed');
    }
  }
}

interface Job {
  message: ImageUploadedV1;
  attempt: Attempt;
  event: UploadEventV1;
  started: number;
}

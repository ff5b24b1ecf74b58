import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { ImageUploadedV1, thumbnailFolder, thumbnailKey, UPLOAD_FAILED, UPLOAD_PROCESSED, UploadEventV1, VARIANT_NAMES } from '@darkroom/contracts';
import { UploadsRepository } from '@darkroom/database';
import { JobOutcome, OutboxRelay } from '@darkroom/messaging';
import { PhotoStore } from '@darkroom/storage';
import { hidePaths, RenderedPhoto, ThumbnailRenderer, UndecodableImageError } from './thumbnail-renderer';

export const UPLOAD_EVENTS_RELAY = Symbol('UPLOAD_EVENTS_RELAY');
export const UPLOADS_DEVELOPED = 'darkroom_uploads_developed_total';
export const uploadsDeveloped = makeCounterProvider({
  name: UPLOADS_DEVELOPED,
  help: 'Uploads this worker finished, by result: done (thumbnails recorded) or failed (recorded as undecodable or given up)',
  labelNames: ['result'],
});

export interface Attempt {
  number: number;
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
   * Two kinds of trouble, two policies. The photo itself (a decoder that throws
   * something unexpected) costs an attempt: after JOB_MAX_ATTEMPTS the upload is
   * recorded `failed` and the message dead-lettered. The infrastructure
   * (Postgres, the volume) costs nothing: the message is deferred, as often as
   * it takes, so an outage never turns good photos into failures or strands them.
   */
  async develop(message: ImageUploadedV1, attempt: Attempt): Promise<JobOutcome> {
    this.log.assign({ uploadId: message.uploadId, requestId: message.requestId });
    const started = performance.now();
    const event: UploadEventV1 = { version: 1, uploadId: message.uploadId, ownerId: message.ownerId, requestId: message.requestId };

    try {
      if (!(await this.uploads.startAttempt(message.uploadId))) {
        this.log.info('upload is gone or already finished; nothing to do');
        // Deleted while an earlier delivery had written thumbnails and died before recording them.
        if (!(await this.uploads.findById(message.uploadId))) await this.removeThumbnailsOfDeleted(message.uploadId);
        return 'done';
      }
    } catch (error) {
      return this.defer('recording the attempt', error);
    }

    let photo: RenderedPhoto;
    try {
      photo = await this.renderer.render(this.store.localPath(message.originalKey));
    } catch (error) {
      if (error instanceof UndecodableImageError) {
        return this.fail(message, event, error.reason, started, 'done'); // expected, recorded: nothing to retry
      }
      if (!attempt.isLast) throw error; // a surprise: the transport schedules a counted retry
      this.log.error({ err: error }, 'giving up on this photo; the message goes to the dead-letter queue');
      const reason = `processing failed ${attempt.number} times; last error: ${hidePaths((error as Error).message)}`;
      return this.fail(message, event, reason, started, 'reject');
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
      recorded = await this.uploads.markDone(message.uploadId, photo, thumbnails, { topic: UPLOAD_PROCESSED, payload: event });
    } catch (error) {
      return this.defer('storing the thumbnails', error);
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
        ms: Math.round(performance.now() - started),
        size: `${photo.width}x${photo.height}`,
        variants: thumbnails.map((t) => `${t.variant} ${t.width}x${t.height} ${t.bytes}B`),
      },
      'upload developed',
    );
    return 'done';
  }

  /** Records `failed`; if even that cannot be written, the message waits rather than being lost. */
  private async fail(message: ImageUploadedV1, event: UploadEventV1, reason: string, started: number, then: JobOutcome): Promise<JobOutcome> {
    try {
      await this.uploads.markFailed(message.uploadId, reason, { topic: UPLOAD_FAILED, payload: event });
    } catch (error) {
      return this.defer('recording the failure', error);
    }
    this.relay.kick();
    this.developed.inc({ result: 'failed' });
    this.log.warn({ ms: Math.round(performance.now() - started), reason }, 'upload failed');
    return then;
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

  private defer(step: string, error: unknown): JobOutcome {
    this.log.warn({ err: error }, `${step} failed (${(error as Error).message}); the message will come back without counting an attempt`);
    return 'defer';
  }
}

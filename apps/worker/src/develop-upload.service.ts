import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ImageUploadedV1, thumbnailKey, UPLOAD_FAILED, UPLOAD_PROCESSED, UploadEventV1 } from '@darkroom/contracts';
import { UploadsRepository } from '@darkroom/database';
import { JobOutcome, OutboxRelay } from '@darkroom/messaging';
import { PhotoStore } from '@darkroom/storage';
import { ThumbnailRenderer, UndecodableImageError } from './thumbnail-renderer';

export const UPLOAD_EVENTS_RELAY = Symbol('UPLOAD_EVENTS_RELAY');

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
  ) {
    this.log.setContext(DevelopUploadService.name);
  }

  async develop(message: ImageUploadedV1, attempt: Attempt): Promise<JobOutcome> {
    this.log.assign({ uploadId: message.uploadId, requestId: message.requestId });
    const started = performance.now();
    const event: UploadEventV1 = { version: 1, uploadId: message.uploadId, ownerId: message.ownerId, requestId: message.requestId };
    try {
      if (!(await this.uploads.startAttempt(message.uploadId))) {
        this.log.info('upload is gone or already finished; nothing to do');
        return 'done';
      }
      const photo = await this.renderer.render(this.store.localPath(message.originalKey));
      for (const v of photo.variants) await this.store.write(thumbnailKey(message.uploadId, v.variant), v.data);
      const thumbnails = photo.variants.map((v) => ({
        variant: v.variant,
        key: thumbnailKey(message.uploadId, v.variant),
        mime: 'image/webp',
        width: v.width,
        height: v.height,
        bytes: v.data.length,
      }));
      await this.uploads.markDone(message.uploadId, photo, thumbnails, { topic: UPLOAD_PROCESSED, payload: event });
      this.relay.kick();
      this.log.info(
        {
          ms: Math.round(performance.now() - started),
          size: `${photo.width}x${photo.height}`,
          variants: thumbnails.map((t) => `${t.variant} ${t.width}x${t.height} ${t.bytes}B`),
        },
        'upload developed',
      );
      return 'done';
    } catch (error) {
      if (error instanceof UndecodableImageError) {
        await this.fail(message, event, error.reason, started);
        return 'done'; // an expected outcome, recorded: nothing to retry
      }
      if (attempt.isLast) {
        const reason = `processing failed ${attempt.number} times; last error: ${(error as Error).message}`;
        await this.fail(message, event, reason, started).catch((e: unknown) =>
          this.log.error({ err: e }, 'could not record the failure either'),
        );
        this.log.error({ err: error }, 'giving up; the message goes to the dead-letter queue');
        return 'reject';
      }
      throw error; // a surprise: the transport schedules a retry
    }
  }

  private async fail(message: ImageUploadedV1, event: UploadEventV1, reason: string, started: number): Promise<void> {
    await this.uploads.markFailed(message.uploadId, reason, { topic: UPLOAD_FAILED, payload: event });
    this.relay.kick();
    this.log.warn({ ms: Math.round(performance.now() - started), reason }, 'upload failed');
  }
}

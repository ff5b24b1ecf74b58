import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, Logger, NotFoundException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { AppConfig } from '@darkroom/config';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { IMAGE_UPLOADED, ImageUploadedV1, originalKey, thumbnailKey, VARIANT_NAMES } from '@darkroom/contracts';
import { UploadsRepository } from '@darkroom/database';
import { OutboxRelay } from '@darkroom/messaging';
import { PhotoStore } from '@darkroom/storage';
import { textProblem } from '../http/clean-text';
import { parseCursorParam } from '../http/page-cursor';
import { AcceptedUploadDto, UploadDto, UploadPageDto } from './dto/upload.dto';
import { ImageProbe } from './image-probe';
import { StorageGarbageCollector } from './storage-garbage.collector';
import { UploadViews } from './upload-views';
import type { ReceivedFile } from './upload-storage.engine';
import { asVolumeFull } from './volume-full';

export const IMAGES_OUTBOX_RELAY = Symbol('IMAGES_OUTBOX_RELAY');
export const UPLOADS_ACCEPTED = 'darkroom_uploads_accepted_total';
export const uploadsAccepted = makeCounterProvider({ name: UPLOADS_ACCEPTED, help: 'Uploads stored, recorded and queued for the workers (202 answers)' });

@Injectable()
export class UploadsService {
  private readonly logger = new Logger(UploadsService.name);

  constructor(
    private readonly uploads: UploadsRepository,
    private readonly store: PhotoStore,
    private readonly probe: ImageProbe,
    private readonly views: UploadViews,
    private readonly config: AppConfig,
    @Inject(IMAGES_OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @InjectMetric(UPLOADS_ACCEPTED) private readonly accepted: Counter,
    private readonly garbage: StorageGarbageCollector,
    private readonly cache: Cache,
  ) {}

  /**
   * The file is already in a temp file on the volume. Judge it by content,
   * move it under its id-based key, then record the row and its outbox event
   * in one transaction. Any failure removes the file again: a rejected upload
   * leaves nothing behind. A volume with no room for the rename (ENOSPC, EDQUOT)
   * is answered 507, like one that fills up while the file arrives.
   */
  async accept(ownerId: string, file: ReceivedFile, caption: string | undefined, requestId: string): Promise<AcceptedUploadDto> {
    let committedKey: string | undefined;
    try {
      // The filename is only metadata, but it is stored and shown: the same rules as any other text.
      const nameProblem = textProblem('filename', file.originalname);
      if (nameProblem) throw new BadRequestException(nameProblem);
      const image = await this.probe.probe(this.store.localPath(file.tempId));
      if (!image) {
        throw new UnsupportedMediaTypeException(
          `"${file.originalname}" is not a supported image (by its content, whatever its name or type says); send JPEG, PNG, WebP, GIF, TIFF or AVIF`,
        );
      }
      const pixels = image.width * image.height;
      if (pixels > this.config.images.maxInputPixels) {
        throw new PayloadTooLargeException(
          `image is ${image.width}×${image.height} = ${pixels} pixels; the limit is ${this.config.images.maxInputPixels} (MAX_INPUT_PIXELS)`,
        );
      }
      const id = randomUUID();
      const createdAt = new Date();
      const key = originalKey(id, createdAt);
      await this.store.commitTemp(file.tempId, key);
      committedKey = key;
      const message: ImageUploadedV1 = { version: 1, uploadId: id, ownerId, originalKey: key, mime: image.mime, requestId };
      await this.uploads.insertQueued(
        {
          id,
          ownerId,
          caption: caption ?? null,
          originalKey: key,
          originalName: file.originalname.slice(0, 255) || null,
          mime: image.mime,
          bytes: file.size,
          createdAt,
        },
        { topic: IMAGE_UPLOADED, payload: message },
      );
      this.relay.kick();
      this.accepted.inc();
      this.logger.log({ uploadId: id, bytes: file.size, mime: image.mime, width: image.width, height: image.height }, 'upload accepted');
      return { id, status: 'queued' };
    } catch (error) {
      if (committedKey) await this.store.delete(committedKey).catch(() => undefined);
      throw asVolumeFull(error, 'storing', this.logger);
    } finally {
      await this.store.discardTemp(file.tempId).catch(() => undefined);
    }
  }

  /**
   * The row goes first, with its thumbnails and every notification about it, in one transaction that also
   * records the upload's files as garbage; the files go right after. Interrupted anywhere, nothing points at
   * a missing file and the sweeper removes what is left. A worker still developing it finds the row gone and
   * removes the thumbnails it wrote.
   */
  async remove(id: string, ownerId: string): Promise<void> {
    const keys = await this.uploads.deleteOwned(id, ownerId, (original) => [original, ...VARIANT_NAMES.map((variant) => thumbnailKey(id, variant))]);
    if (!keys) throw notFound(id);
    // The owner's upload count; followers' cached feed pages hold ids only and drop a deleted one when they are read.
    await this.cache.invalidate(CACHE_NAMESPACE.profile, [ownerId]).catch(() => undefined);
    await this.garbage.collect(keys).catch((error: unknown) => {
      this.logger.warn({ uploadId: id, err: error }, 'removing the files of a deleted upload failed; the sweeper will');
    });
    this.logger.log({ uploadId: id }, 'upload deleted');
  }

  async get(id: string, viewerId: string): Promise<UploadDto> {
    const upload = await this.uploads.findVisible(id, viewerId);
    if (!upload) throw notFound(id);
    const [view] = await this.views.of([upload]);
    return view!;
  }

  async list(ownerId: string, cursor: string | undefined, limit = 20): Promise<UploadPageDto> {
    const page = await this.uploads.listByOwner(ownerId, parseCursorParam(cursor), limit);
    return { items: await this.views.of(page.items), nextCursor: page.nextCursor };
  }
}

/** Someone else's upload does not exist for the caller: 404, never 403. */
export function notFound(id: string): NotFoundException {
  return new NotFoundException(`upload ${id} not found`);
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { AppConfig } from '@darkroom/config';
import { IMAGE_UPLOADED, ImageUploadedV1, UUID_PATTERN } from '@darkroom/contracts';
import { StuckUpload, UploadsRepository } from '@darkroom/database';
import { OutboxRelay } from '@darkroom/messaging';
import { PhotoStore } from '@darkroom/storage';
import { IMAGES_OUTBOX_RELAY } from './uploads.service';

export const RECONCILED = 'darkroom_reconciled_total';
export const reconciled = makeCounterProvider({
  name: RECONCILED,
  help: 'What the reconciler put right, by action: republished (an unfinished upload silent too long), orphan_removed (an original with no row)',
  labelNames: ['action'],
});

const REPUBLISH_BATCH = 500;

/**
 * Puts right what no request or message will: every RECONCILE_INTERVAL_SECONDS, in every api replica.
 *  - An upload `queued` or `processing` that the pipeline has not touched for STUCK_UPLOAD_SECONDS (its
 *    message lost with a broker's disk, purged, or parked where no worker looks) gets a new image.uploaded
 *    through the outbox. A deferral or a retry touches the upload each time it comes back, so a long outage
 *    does not make copies of messages that are merely waiting.
 *  - An original with no row, older than ORPHAN_GRACE_SECONDS, is removed: the api died between moving the
 *    file into place and recording it (deleted uploads' files are the storage garbage collector's).
 */
@Injectable()
export class UploadReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UploadReconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly uploads: UploadsRepository,
    private readonly store: PhotoStore,
    private readonly config: AppConfig,
    @Inject(IMAGES_OUTBOX_RELAY) private readonly relay: OutboxRelay,
    @InjectMetric(RECONCILED) private readonly counted: Counter<string>,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running = this.reconcile()
        .catch((error: unknown) => this.logger.warn(`reconciling uploads failed (${(error as Error).message}); next try in ${this.config.reconciler.intervalSeconds} s`))
        .finally(() => (this.timer = setTimeout(tick, this.config.reconciler.intervalSeconds * 1000).unref()));
    };
    this.timer = setTimeout(tick, this.config.reconciler.intervalSeconds * 1000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  async reconcile(): Promise<{ republished: number; orphansRemoved: number }> {
    return { republished: await this.republishSilent(), orphansRemoved: await this.removeOrphans() };
  }

  private async republishSilent(): Promise<number> {
    const stuck = await this.uploads.republishSilent(this.config.reconciler.stuckAfterSeconds, REPUBLISH_BATCH, (upload) => ({ topic: IMAGE_UPLOADED, payload: message(upload) }));
    if (stuck.length === 0) return 0;
    this.relay.kick();
    this.counted.inc({ action: 'republished' }, stuck.length);
    for (const upload of stuck) {
      this.logger.warn({ uploadId: upload.id, status: upload.status, silentFor: `>${this.config.reconciler.stuckAfterSeconds} s` }, 'published an unfinished upload again: the pipeline lost track of it');
    }
    return stuck.length;
  }

  private async removeOrphans(): Promise<number> {
    const before = new Date(Date.now() - this.config.reconciler.orphanGraceSeconds * 1000);
    let removed = 0;
    for await (const keys of this.store.filesWrittenBefore('originals', before)) {
      const idOf = (key: string) => key.slice(key.lastIndexOf('/') + 1);
      const known = await this.uploads.existingIds(keys.map(idOf).filter((id) => UUID_PATTERN.test(id)));
      for (const key of keys.filter((k) => !known.has(idOf(k)))) {
        await this.store.delete(key);
        removed++;
        this.logger.warn({ key }, 'removed an original that no upload records (the api died between storing and recording it)');
      }
    }
    if (removed > 0) this.counted.inc({ action: 'orphan_removed' }, removed);
    return removed;
  }
}

function message(upload: StuckUpload): ImageUploadedV1 {
  return { version: 1, uploadId: upload.id, ownerId: upload.ownerId, originalKey: upload.originalKey, mime: upload.mime, requestId: `reconciler-${randomUUID()}` };
}

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { StorageGarbageRepository } from '@darkroom/database';
import { PhotoStore } from '@darkroom/storage';

const SWEEP_EVERY_MS = 60_000;
/** A request removes its own files right after its commit; only older keys belong to a process that died. */
const ABANDONED_AFTER_MS = 60_000;
const SWEEP_BATCH = 500;

/**
 * Removes the files of deleted uploads. DELETE removes its files itself right after the commit; the keys it
 * recorded in the same transaction stay in storage_garbage until the files are gone, so a crash in between
 * is finished by the sweep that every api replica runs at start and every minute.
 */
@Injectable()
export class StorageGarbageCollector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StorageGarbageCollector.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly garbage: StorageGarbageRepository,
    private readonly store: PhotoStore,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.sweep()
        .catch((error: unknown) => this.logger.warn(`sweeping deleted uploads' files failed (${(error as Error).message}); next try in a minute`))
        .finally(() => (this.timer = setTimeout(tick, SWEEP_EVERY_MS).unref()));
    };
    tick();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  /** Removes the files (and a thumbnails folder left empty), then forgets their keys. Idempotent. */
  async collect(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.store.delete(key);
    // A thumbnail's folder is its upload's alone (thumbnails/<uploadId>/): empty now, it goes too.
    const folders = new Set(keys.filter((key) => key.startsWith('thumbnails/')).map((key) => key.slice(0, key.lastIndexOf('/'))));
    for (const folder of folders) await this.store.prune(folder);
    await this.garbage.forget(keys);
  }

  async sweep(): Promise<number> {
    const keys = await this.garbage.pending(ABANDONED_AFTER_MS, SWEEP_BATCH);
    if (keys.length === 0) return 0;
    await this.collect(keys);
    this.logger.warn({ files: keys.length }, 'removed files of uploads deleted by a request that did not finish');
    return keys.length;
  }
}

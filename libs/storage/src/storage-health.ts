import { Injectable } from '@nestjs/common';
import { DiskHealthIndicator } from '@nestjs/terminus';
import { AppConfig } from '@darkroom/config';
import type { ReadinessProbe } from '@darkroom/observability';
import { PhotoStore } from './photo-store';

/**
 * The storage readiness probes, provided by StorageModule: `storage` (required: the scratch area is writable) and
 * `disk` (optional: terminus' DiskHealthIndicator on the volume under STORAGE_DIR). A volume filling up shows as
 * `disk: degraded` before uploads and thumbnails start failing, without taking every replica out of rotation
 * while reads (feeds, thumbnails through nginx) still work.
 */
@Injectable()
export class StorageHealth {
  constructor(
    private readonly store: PhotoStore,
    private readonly disk: DiskHealthIndicator,
    private readonly config: AppConfig,
  ) {}

  probes(): ReadinessProbe[] {
    const warnAt = this.config.storage.diskWarnUsedRatio;
    return [
      { name: 'storage', check: () => this.store.checkWritable() },
      {
        name: 'disk',
        optional: `reads still work; uploads and thumbnails fail once the photo volume is full (this warns above ${Math.round(warnAt * 100)}% used, DISK_WARN_USED_PERCENT)`,
        indicator: (key) => this.disk.checkStorage(key, { path: this.config.storage.dir, thresholdPercent: warnAt }),
      },
    ];
  }
}

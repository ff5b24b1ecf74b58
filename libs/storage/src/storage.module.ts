import { Global, Logger, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '@darkroom/config';
import { PhotoStore } from './photo-store';
import { StorageHealth } from './storage-health';
import { VolumeStore } from './volume-store';

/** Temp files untouched this long belong to no live request. */
const STALE_TEMP_MS = 60 * 60 * 1000;

@Global()
@Module({
  // For StorageHealth's DiskHealthIndicator.
  imports: [TerminusModule],
  providers: [
    StorageHealth,
    {
      provide: PhotoStore,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const store = new VolumeStore(config.storage.dir);
        await store.ensureLayout();
        const swept = await store.sweepTemp(STALE_TEMP_MS);
        if (swept.length > 0) new Logger('Storage').warn(`removed ${swept.length} temp files left by an interrupted upload or write`);
        return store;
      },
    },
  ],
  exports: [PhotoStore, StorageHealth],
})
export class StorageModule {}

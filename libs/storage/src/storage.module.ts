import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { PhotoStore } from './photo-store';
import { VolumeStore } from './volume-store';

/** Temp files untouched this long belong to no live request. */
const STALE_TEMP_MS = 60 * 60 * 1000;

@Global()
@Module({
  providers: [
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
  exports: [PhotoStore],
})
export class StorageModule {}

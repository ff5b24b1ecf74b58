import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { PhotoStore } from './photo-store';
import { VolumeStore } from './volume-store';

@Global()
@Module({
  providers: [
    {
      provide: PhotoStore,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const store = new VolumeStore(config.storage.dir);
        await store.ensureLayout();
        return store;
      },
    },
  ],
  exports: [PhotoStore],
})
export class StorageModule {}

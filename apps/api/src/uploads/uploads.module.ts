import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '@darkroom/config';
import { OutboxRepository } from '@darkroom/database';
import { OutboxRelay, RabbitEventSink } from '@darkroom/messaging';
import { PhotoStore } from '@darkroom/storage';
import { ImageProbe } from './image-probe';
import { StorageGarbageCollector } from './storage-garbage.collector';
import { uploadLimits } from './upload-limits.filter';
import { reconciled, UploadReconciler } from './upload-reconciler';
import { UploadStorageEngine } from './upload-storage.engine';
import { UploadsInFlight, UploadsInFlightModule } from './uploads-in-flight';
import { UploadViews } from './upload-views';
import { IMAGES_OUTBOX_RELAY, UploadsService, uploadsAccepted } from './uploads.service';
import { UploadsController } from './uploads.controller';

@Module({
  imports: [
    UploadsInFlightModule,
    MulterModule.registerAsync({
      imports: [UploadsInFlightModule],
      inject: [PhotoStore, AppConfig, UploadsInFlight],
      useFactory: (store: PhotoStore, config: AppConfig, inFlight: UploadsInFlight) => ({
        storage: new UploadStorageEngine(store, inFlight),
        defParamCharset: 'utf8',
        limits: uploadLimits(config),
      }),
    }),
  ],
  controllers: [UploadsController],
  providers: [
    UploadsService,
    StorageGarbageCollector,
    UploadReconciler,
    reconciled,
    UploadViews,
    uploadsAccepted,
    ImageProbe,
    RabbitEventSink,
    {
      provide: IMAGES_OUTBOX_RELAY,
      inject: [OutboxRepository, RabbitEventSink, AppConfig],
      useFactory: (outbox: OutboxRepository, sink: RabbitEventSink, config: AppConfig) => new OutboxRelay(outbox, sink, config.outboxPollMs),
    },
  ],
  // The feed answers with the same views as GET /v1/uploads/:id.
  exports: [UploadViews],
})
export class UploadsModule {}

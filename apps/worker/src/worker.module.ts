import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, DarkroomConfigModule } from '@darkroom/config';
import { DatabaseModule, OutboxRepository, PostgresHealth } from '@darkroom/database';
import { bullRootModule, consumerMetricsProviders, notificationsQueueModule, UploadEventsQueue, OutboxRelay, queueDepthGauge, QueueInspector, RabbitConsumerTransport, RabbitModule } from '@darkroom/messaging';
import { HealthController, LoggingModule, MetricsModule, readinessProbes } from '@darkroom/observability';
import { StorageHealth, StorageModule } from '@darkroom/storage';
import { DevelopUploadService, UPLOAD_EVENTS_RELAY, uploadsDeveloped } from './develop-upload.service';
import { ImageUploadedHandler } from './image-uploaded.handler';
import { ThumbnailRenderer } from './thumbnail-renderer';
import { workerReadinessProbes } from './health-probes';

@Module({
  imports: [
    DarkroomConfigModule,
    LoggingModule.forService('worker'),
    MetricsModule.forService('worker'),
    DatabaseModule.forApp('worker'),
    StorageModule,
    RabbitModule,
    bullRootModule('notifications-producer'),
    notificationsQueueModule(),
    TerminusModule,
  ],
  controllers: [ImageUploadedHandler, HealthController],
  providers: [
    readinessProbes([PostgresHealth, RabbitConsumerTransport, UploadEventsQueue, StorageHealth], workerReadinessProbes),
    ThumbnailRenderer,
    DevelopUploadService,
    uploadsDeveloped,
    ...consumerMetricsProviders,
    QueueInspector,
    queueDepthGauge,
    UploadEventsQueue,
    RabbitConsumerTransport,
    {
      provide: UPLOAD_EVENTS_RELAY,
      inject: [OutboxRepository, UploadEventsQueue, AppConfig],
      useFactory: (outbox: OutboxRepository, queue: UploadEventsQueue, config: AppConfig) => new OutboxRelay(outbox, queue, config.outboxPollMs),
    },
  ],
})
export class WorkerModule {}

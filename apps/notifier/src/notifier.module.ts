import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { DarkroomConfigModule } from '@darkroom/config';
import { DatabaseModule } from '@darkroom/database';
import { LiveNotificationPublisher } from '@darkroom/messaging';
import { HealthController, LoggingModule, MetricsModule, readinessProbes, ReadinessProbe } from '@darkroom/observability';
import { UploadEventsProcessor } from './upload-events.processor';
import { notificationsSent, UploadEventsService } from './upload-events.service';

@Module({
  imports: [
    DarkroomConfigModule,
    LoggingModule.forService('notifier'),
    MetricsModule.forService('notifier'),
    DatabaseModule.forApp('notifier'),
    TerminusModule,
  ],
  controllers: [HealthController],
  providers: [
    UploadEventsService,
    notificationsSent,
    LiveNotificationPublisher,
    UploadEventsProcessor,
    readinessProbes([DataSource, UploadEventsProcessor], (db: DataSource, processor: UploadEventsProcessor): ReadinessProbe[] => [
      { name: 'postgres', check: () => db.query('SELECT 1') },
      { name: 'redis', check: () => processor.worker.ping() },
    ]),
  ],
})
export class NotifierModule {}

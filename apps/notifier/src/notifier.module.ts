import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import { CacheModule } from '@darkroom/cache';
import { AppConfig, DarkroomConfigModule } from '@darkroom/config';
import { DatabaseModule, PostgresHealth } from '@darkroom/database';
import { bullQueueNames, bullRootModule, DURABLE_JOB_OPTIONS, FAN_OUT_FLOW, LiveNotificationPublisher, notificationsQueueModule, RedisHealth } from '@darkroom/messaging';
import { WebhookDestinations } from '@darkroom/webhooks';
import { HealthController, LoggingModule, MetricsModule, readinessProbes, ReadinessProbe } from '@darkroom/observability';
import { FanOutProcessor } from './fan-out.processor';
import { FanOutService, notificationsSent } from './fan-out.service';
import { UploadEventsProcessor } from './upload-events.processor';
import { DeliveryDispatcher } from './webhooks/delivery-dispatcher';
import { webhookAttempts, WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookSender } from './webhooks/webhook-sender';
import { EmailDeliveryService, emailsSent } from './email/email-delivery.service';

@Module({
  imports: [
    DarkroomConfigModule,
    LoggingModule.forService('notifier'),
    MetricsModule.forService('notifier'),
    DatabaseModule.forApp('notifier'),
    CacheModule,
    bullRootModule('notifier'),
    notificationsQueueModule(),
    BullModule.registerQueue({ name: bullQueueNames().fanOut, defaultJobOptions: DURABLE_JOB_OPTIONS }),
    BullModule.registerFlowProducer({ name: FAN_OUT_FLOW }),
    TerminusModule,
  ],
  controllers: [HealthController],
  providers: [
    FanOutService,
    notificationsSent,
    LiveNotificationPublisher,
    RedisHealth,
    UploadEventsProcessor,
    FanOutProcessor,
    { provide: WebhookDestinations, inject: [AppConfig], useFactory: (config: AppConfig) => new WebhookDestinations(config.webhooks.allowedHosts) },
    WebhookSender,
    WebhookDeliveryService,
    webhookAttempts,
    EmailDeliveryService,
    emailsSent,
    DeliveryDispatcher,
    readinessProbes([PostgresHealth, RedisHealth], (postgres: PostgresHealth, redis: RedisHealth): ReadinessProbe[] => [
      postgres.probe(),
      { name: 'redis', check: () => redis.ping() },
    ]),
  ],
})
export class NotifierModule {}

import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheModule } from '@darkroom/cache';
import { DarkroomConfigModule } from '@darkroom/config';
import { DatabaseModule, PostgresHealth } from '@darkroom/database';
import { RabbitModule, RabbitPublisher, RedisHealth } from '@darkroom/messaging';
import { HealthController, HttpMetricsMiddleware, httpRequestDuration, LoggingModule, MetricsModule, readinessProbes } from '@darkroom/observability';
import { StorageHealth, StorageModule } from '@darkroom/storage';
import { AuthModule } from './auth/auth.module';
import { FeedModule } from './feed/feed.module';
import { FollowsModule } from './follows/follows.module';
import { apiReadinessProbes } from './health-probes';
import { MediaModule } from './media/media.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RateLimitModule } from './rate-limit/rate-limit';
import { UploadsModule } from './uploads/uploads.module';
import { UsersModule } from './users/users.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { PreferencesModule } from './preferences/preferences.module';

@Module({
  imports: [
    DarkroomConfigModule,
    LoggingModule.forService('api'),
    MetricsModule.forService('api'),
    DatabaseModule.forApp('api'),
    StorageModule,
    RabbitModule,
    CacheModule,
    AuthModule,
    RateLimitModule,
    UsersModule,
    WebhooksModule,
    PreferencesModule,
    UploadsModule,
    MediaModule,
    NotificationsModule,
    FollowsModule,
    FeedModule,
    TerminusModule,
  ],
  controllers: [HealthController],
  providers: [RedisHealth, httpRequestDuration, HttpMetricsMiddleware, readinessProbes([PostgresHealth, RabbitPublisher, RedisHealth, StorageHealth], apiReadinessProbes)],
})
export class AppModule {}

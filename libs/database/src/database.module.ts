import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@darkroom/config';
import { connectWithBackoff } from '@darkroom/observability';
import { dataSourceOptions } from './data-source-options';
import { PostgresHealth } from './postgres-health';
import { FanOutRepository } from './repositories/fan-out.repository';
import { FeedRepository } from './repositories/feed.repository';
import { FollowsRepository } from './repositories/follows.repository';
import { NotificationsRepository } from './repositories/notifications.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { UploadsRepository } from './repositories/uploads.repository';
import { StorageGarbageRepository } from './repositories/storage-garbage.repository';
import { UsersRepository } from './repositories/users.repository';
import { WebhookEndpointsRepository } from './repositories/webhook-endpoints.repository';
import { DeliveriesRepository } from './repositories/deliveries.repository';
import { PreferencesRepository } from './repositories/preferences.repository';

const REPOSITORIES = [UsersRepository, UploadsRepository, NotificationsRepository, OutboxRepository, FollowsRepository, FeedRepository, FanOutRepository, StorageGarbageRepository, WebhookEndpointsRepository, DeliveriesRepository, PreferencesRepository];

@Module({})
export class DatabaseModule {
  /** `service` names the connection in pg_stat_activity, so a DBA can tell the apps apart. */
  static forApp(service: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => dataSourceOptions(config.database.url, `darkroom-${service}`),
          // Postgres may still be starting (compose, CI): retry with backoff, logging every attempt.
          dataSourceFactory: async (options) =>
            connectWithBackoff('postgres', () => new DataSource(options!).initialize(), {
              logger: new Logger('Database'),
              maxDelayMs: loadConfig().connectBackoffMaxMs,
            }),
        }),
        // For PostgresHealth's TypeOrmHealthIndicator.
        TerminusModule,
      ],
      providers: [...REPOSITORIES, PostgresHealth],
      exports: [...REPOSITORIES, PostgresHealth],
    };
  }
}

import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { liveNotificationChannel, LiveNotificationV1 } from '@darkroom/contracts';
import { createRedis } from './redis-connection';

export interface LiveDelivery {
  userId: string;
  notification: LiveNotificationV1;
}

/**
 * Publishes new notifications on each recipient's Redis channel, where the api replica holding that
 * user's stream (if any) picks them up. Fire and forget by nature (pub/sub keeps nothing): a stream that
 * misses one gets it back from Postgres when it reconnects with Last-Event-ID.
 */
@Injectable()
export class LiveNotificationPublisher implements OnApplicationShutdown {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(config: AppConfig) {
    this.redis = createRedis(config, 'live-publisher', { blocking: false });
    this.prefix = config.redis.prefix;
  }

  /** One round trip for a whole page of followers. */
  async publishMany(deliveries: readonly LiveDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { userId, notification } of deliveries) pipeline.publish(liveNotificationChannel(this.prefix, userId), JSON.stringify(notification));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

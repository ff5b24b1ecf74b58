import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { liveNotificationChannel, LiveNotificationV1 } from '@darkroom/contracts';
import { createRedis } from './redis-connection';

const PUBLISH_SCRIPT = `
for i = 1, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[i], ARGV[i + 1])
end
return #ARGV / 2`;

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

  /**
   * One script call for a whole page of followers (channels and messages as arguments, as PUBLISH names no
   * key): a PUBLISH command object per follower would be most of a big fan-out's memory and time.
   */
  async publishMany(deliveries: readonly LiveDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const args = deliveries.flatMap(({ userId, notification }) => [liveNotificationChannel(this.prefix, userId), JSON.stringify(notification)]);
    await this.redis.eval(PUBLISH_SCRIPT, 0, ...args);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

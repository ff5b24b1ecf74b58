import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { liveNotificationChannel, liveNotificationV1, LiveNotificationV1 } from '@darkroom/contracts';
import { createRedis } from './redis-connection';

/** What publishing needs of a Redis connection: ioredis' `Redis` has it, a spec hands in a fake. */
export interface LivePublishConnection {
  publish(channel: string, message: string): Promise<number>;
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

/** Optional provider: a connection to publish on instead of the publisher's own (specs, or a shared client). */
export const LIVE_PUBLISH_CONNECTION = Symbol('LIVE_PUBLISH_CONNECTION');

const PUBLISH_MANY = `
for i = 1, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[i], ARGV[i + 1])
end
return #ARGV / 2`;

export interface LiveNotificationDelivery {
  userId: string;
  notification: LiveNotificationV1;
}

/**
 * Announces new notifications to the api replicas holding their users'
 * streams: a Redis PUBLISH per notification on
 * `liveNotificationChannel(prefix, userId)`, the JSON of liveNotificationV1.
 *
 * Pub/sub is fire-and-forget: a replica that is not subscribed at that moment
 * never sees the message. That is fine because the notification row is the
 * truth: a stream that reconnects with Last-Event-ID is replayed from
 * Postgres. So publish after the row has committed, and a publish that fails
 * should be logged, not retried into a second row.
 */
@Injectable()
export class LiveNotificationPublisher implements OnApplicationShutdown {
  private readonly redis: LivePublishConnection;
  private readonly prefix: string;

  constructor(config: AppConfig, @Optional() @Inject(LIVE_PUBLISH_CONNECTION) connection?: LivePublishConnection) {
    this.redis = connection ?? createRedis(config, 'live-publisher', { blocking: false });
    this.prefix = config.redis.prefix;
  }

  /** Resolves to the number of api replicas that received it (0: none holds a stream of that user now, not an error). */
  publish(userId: string, notification: LiveNotificationV1): Promise<number> {
    return this.redis.publish(liveNotificationChannel(this.prefix, userId), encode(notification));
  }

  /**
   * A page of fan-out in one script call (channels and messages as arguments: PUBLISH names no key). A
   * pipelined PUBLISH per follower would cost a fan-out of 100,000 as many client-side command objects, most
   * of the notifier's memory and time. Every notification is checked before anything is sent.
   */
  async publishMany(items: readonly LiveNotificationDelivery[]): Promise<void> {
    if (items.length === 0) return;
    const args = items.flatMap(({ userId, notification }) => [liveNotificationChannel(this.prefix, userId), encode(notification)]);
    await this.redis.eval(PUBLISH_MANY, 0, ...args);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/** Checked against the contract here, so a malformed notification fails in the notifier, not in every browser. */
function encode(notification: LiveNotificationV1): string {
  return JSON.stringify(liveNotificationV1.parse(notification));
}

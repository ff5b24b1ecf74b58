import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { liveNotificationChannel, liveNotificationV1, LiveNotificationV1 } from '@darkroom/contracts';
import { createRedis } from './redis-connection';

/** What publishing needs of a Redis connection: ioredis' `Redis` has it, a spec hands in a fake. */
export interface LivePublishConnection {
  publish(channel: string, message: string): Promise<number>;
  pipeline(): { publish(channel: string, message: string): unknown; exec(): Promise<Array<[Error | null, unknown]> | null> };
  quit(): Promise<unknown>;
}

/** Optional provider: a connection to publish on instead of the publisher's own (specs, or a shared client). */
export const LIVE_PUBLISH_CONNECTION = Symbol('LIVE_PUBLISH_CONNECTION');

export interface LiveNotificationDelivery {
  userId: string;
  notification: LiveNotificationV1;
}

/**
 * Announces new notifications to the api replicas holding their users'
 * streams: one Redis PUBLISH per notification on
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

  /** One round trip for a page of fan-out; rejects with the first failure (the others may have gone out). */
  async publishMany(items: readonly LiveNotificationDelivery[]): Promise<void> {
    if (items.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { userId, notification } of items) pipeline.publish(liveNotificationChannel(this.prefix, userId), encode(notification));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/** Checked against the contract here, so a malformed notification fails in the notifier, not in every browser. */
function encode(notification: LiveNotificationV1): string {
  return JSON.stringify(liveNotificationV1.parse(notification));
}

import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { liveNotificationChannel, liveNotificationV1, LiveNotificationV1 } from '@darkroom/contracts';
import { createRedis } from './redis-connection';

/** What subscribing needs of a Redis connection: ioredis' `Redis` has it, a spec hands in a fake. */
export interface LiveSubscribeConnection {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  ping(): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  quit(): Promise<unknown>;
}

/** Optional provider: a connection to subscribe on instead of the subscriber's own (specs). */
export const LIVE_SUBSCRIBE_CONNECTION = Symbol('LIVE_SUBSCRIBE_CONNECTION');

export type LiveNotificationListener = (notification: LiveNotificationV1) => void;

/** After a reconnect: the subscriptions are back, and `lostAt` (ms) is when the connection went down. */
export type ResubscribedListener = (lostAt: number) => void;

interface Channel {
  listeners: Set<LiveNotificationListener>;
  /** Settles when Redis has answered this channel's SUBSCRIBE. */
  subscribed: Promise<unknown>;
}

/**
 * One Redis subscriber connection per process, shared by every stream it
 * holds. A user's channel is subscribed while at least one listener of that
 * user is registered, and unsubscribed when the last one leaves.
 *
 * No lock is needed for the reference count: SUBSCRIBE and UNSUBSCRIBE go out
 * on one connection in the order they are called (also through ioredis'
 * offline queue while reconnecting), so Redis ends in the state of the last
 * call, which is what the listener sets say.
 *
 * After a reconnect ioredis subscribes again to every channel it held
 * (`autoResubscribe`, on by default: its ready handler sends SUBSCRIBE before
 * anything queued). Messages published while the connection was down are
 * lost to pub/sub, so `onResubscribed` tells the holders of streams to catch
 * up from Postgres.
 */
@Injectable()
export class LiveNotificationSubscriber implements OnApplicationShutdown {
  private readonly logger = new Logger(LiveNotificationSubscriber.name);
  private readonly redis: LiveSubscribeConnection;
  private readonly prefix: string;
  private readonly channels = new Map<string, Channel>();
  private readonly resubscribed = new Set<ResubscribedListener>();
  private wasReady = false;
  private lostAt: number | undefined;

  constructor(config: AppConfig, @Optional() @Inject(LIVE_SUBSCRIBE_CONNECTION) connection?: LiveSubscribeConnection) {
    // blocking: commands wait through a reconnect instead of failing after three retries.
    this.redis = connection ?? createRedis(config, 'live-subscriber', { blocking: true });
    this.prefix = config.redis.prefix;
    this.redis.on('message', (channel, message) => this.dispatch(channel, message));
    this.redis.on('close', () => {
      if (this.wasReady) this.lostAt ??= Date.now();
    });
    this.redis.on('ready', () => this.onReady());
  }

  /**
   * Resolves once Redis has confirmed the user's subscription: from then on
   * every notification published for the user reaches `listener`. Returns
   * the function that stops listening.
   */
  async listen(userId: string, listener: LiveNotificationListener): Promise<() => void> {
    const name = liveNotificationChannel(this.prefix, userId);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { listeners: new Set(), subscribed: this.redis.subscribe(name) };
      this.channels.set(name, channel);
    }
    channel.listeners.add(listener);
    const stop = () => this.leave(name, channel, listener);
    try {
      await channel.subscribed;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  onResubscribed(listener: ResubscribedListener): () => void {
    this.resubscribed.add(listener);
    return () => this.resubscribed.delete(listener);
  }

  /** Channels subscribed now (one per user with a stream on this process). */
  get channelCount(): number {
    return this.channels.size;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private leave(name: string, channel: Channel, listener: LiveNotificationListener): void {
    if (!channel.listeners.delete(listener) || channel.listeners.size > 0 || this.channels.get(name) !== channel) return;
    this.channels.delete(name);
    this.redis.unsubscribe(name).catch((error: Error) => this.logger.warn(`UNSUBSCRIBE ${name} failed: ${error.message}`));
  }

  private dispatch(name: string, message: string): void {
    const channel = this.channels.get(name);
    if (!channel) return; // an UNSUBSCRIBE is on its way
    let parsed: ReturnType<typeof liveNotificationV1.safeParse>;
    try {
      parsed = liveNotificationV1.safeParse(JSON.parse(message));
    } catch {
      this.logger.warn({ channel: name }, 'live notification is not JSON; dropped');
      return;
    }
    if (!parsed.success) {
      this.logger.warn({ channel: name, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'live notification breaks the v1 contract; dropped');
      return;
    }
    for (const listener of channel.listeners) {
      try {
        listener(parsed.data);
      } catch (error) {
        this.logger.error({ err: error, channel: name }, 'a live notification listener failed');
      }
    }
  }

  private onReady(): void {
    const lostAt = this.lostAt;
    this.lostAt = undefined;
    if (!this.wasReady || lostAt === undefined) {
      this.wasReady = true;
      return;
    }
    // The resubscriptions went out before this event; a PING answered after them means they are in place.
    this.redis
      .ping()
      .then(() => {
        this.logger.log({ channels: this.channels.size }, 'subscriptions restored after a reconnect');
        for (const listener of this.resubscribed) listener(lostAt);
      })
      .catch((error: Error) => this.logger.warn(`could not confirm the subscriptions after a reconnect: ${error.message}`));
  }
}

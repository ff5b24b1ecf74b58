import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { BeforeApplicationShutdown, HttpException, HttpStatus, Injectable, Logger, OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { InjectMetric, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AppConfig } from '@darkroom/config';
import { type LiveNotificationV1, UUID_PATTERN } from '@darkroom/contracts';
import { Keyset, NotificationsRepository } from '@darkroom/database';
import { LiveNotificationSubscriber } from '@darkroom/messaging';
import { LiveStream } from './live-stream';
import { toLiveNotification } from './notification-item';
import type { SseSink } from './sse-response';
import { StreamSlots } from './stream-slots';
import { StreamTickets } from './stream-tickets';

export const NOTIFICATION_STREAMS = 'darkroom_notification_streams_open';
export const notificationStreamsGauge = makeGaugeProvider({ name: NOTIFICATION_STREAMS, help: 'Notification streams (SSE) open on this api replica' });

/** What a reconnecting client is sent at most; one that missed more is told so and reloads GET /v1/notifications. */
export const REPLAY_LIMIT = 500;
/** The `retry:` the client's EventSource waits before it reconnects. */
export const RETRY_MS = 2000;
/**
 * A catch-up after a Redis reconnect reaches this far before the moment the
 * drop was noticed: ioredis notices a dead connection late, and created_at
 * is the database's clock, not ours.
 */
export const CATCH_UP_MARGIN_MS = 10_000;
/** Streams catching up at once after a Redis reconnect: one Postgres query per user. */
const CATCH_UP_CONCURRENCY = 8;
/** Shutdown waits this long at most for Redis to forget the closed streams' slots; their leases expire anyway. */
const SHUTDOWN_RELEASE_MS = 2000;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

interface Replay {
  items: LiveNotificationV1[];
  truncated: boolean;
}

/**
 * GET /v1/notifications/stream: admits a stream (at most STREAM_MAX_PER_USER
 * per user over all replicas), subscribes to the user's channel, replays
 * what a reconnecting client missed, then forwards live notifications and a
 * heartbeat until the client leaves or this replica shuts down.
 */
@Injectable()
export class NotificationStreamService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationStreamService.name);
  private readonly streams = new Set<LiveStream>();
  private readonly releases = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly live: LiveNotificationSubscriber,
    private readonly slots: StreamSlots,
    private readonly tickets: StreamTickets,
    private readonly config: AppConfig,
    @InjectMetric(NOTIFICATION_STREAMS) private readonly openStreams: Gauge,
  ) {}

  onModuleInit(): void {
    this.live.onResubscribed((lostAt) => void this.catchUp(lostAt));
  }

  /** A browser's way in: EventSource sends no headers, so it opens the stream with ?ticket=. */
  issueTicket(userId: string): Promise<{ ticket: string; expiresAt: Date }> {
    return this.tickets.issue(userId);
  }

  /**
   * Errors thrown from here (401 is the guard's; 429, 503, a failed query)
   * leave before any SSE header, as JSON. `lastEventId`: the id of the last
   * notification the client saw; one that is not the caller's replays nothing.
   */
  async open(userId: string, lastEventId: string | undefined, sink: SseSink): Promise<void> {
    if (this.closing) throw new ServiceUnavailableException('this api replica is shutting down; connect again');
    const stream = new LiveStream(randomUUID(), userId, Date.now(), sink);
    if (!(await this.slots.acquire(userId, stream.id))) {
      throw new HttpException(
        `you have ${this.slots.maxPerUser} open streams, the most allowed per user (STREAM_MAX_PER_USER); close one first`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    let stopListening: (() => void) | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    let counted = false;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      stopListening?.();
      if (counted) this.openStreams.dec();
      this.streams.delete(stream);
      this.track(this.slots.release(userId, stream.id).catch((error: Error) => this.logger.warn(`could not release stream slot: ${error.message}`)));
    };
    sink.onClose(release);

    try {
      // Subscribed before Postgres is asked, buffering meanwhile: nothing published in between is lost.
      stream.beginSync();
      stopListening = await this.live.listen(userId, (notification) => stream.deliver(notification));
      const replay = lastEventId === undefined ? { items: [], truncated: false } : await this.replayAfter(userId, lastEventId);
      if (sink.closed) return; // the client left while this was being set up
      if (this.closing) throw new ServiceUnavailableException('this api replica is shutting down; connect again');

      sink.open(RETRY_MS);
      this.streams.add(stream);
      this.openStreams.inc();
      counted = true;
      heartbeat = setInterval(() => this.beat(stream), this.config.stream.heartbeatMs);
      stream.replay(replay.items);
      if (replay.truncated) stream.notice('replay-truncated', { replayed: REPLAY_LIMIT });
      stream.endSync();
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Ends every stream so the HTTP server can close; the clients reconnect, to another replica. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    const open = this.streams.size;
    for (const stream of [...this.streams]) stream.end();
    await Promise.race([Promise.allSettled([...this.releases]), delay(SHUTDOWN_RELEASE_MS)]);
    if (open > 0) this.logger.log({ streams: open }, 'ended the open notification streams for shutdown');
  }

  private async replayAfter(userId: string, lastEventId: string): Promise<Replay> {
    const after = UUID_PATTERN.test(lastEventId) ? await this.notifications.keysetOf(userId, lastEventId) : null;
    if (!after) {
      // Not an error worth refusing the stream for (the client may have cleared its data, or sends a stale id): it goes live.
      this.logger.warn({ userId, lastEventId: lastEventId.slice(0, 64) }, 'Last-Event-ID is not one of the caller\'s notifications; nothing replayed');
      return { items: [], truncated: false };
    }
    const rows = await this.notifications.listAfter(userId, after, REPLAY_LIMIT + 1);
    return { items: rows.slice(0, REPLAY_LIMIT).map(toLiveNotification), truncated: rows.length > REPLAY_LIMIT };
  }

  private beat(stream: LiveStream): void {
    stream.heartbeat();
    this.slots.refresh(stream.userId, stream.id).catch((error: Error) => this.logger.warn(`could not refresh stream slot: ${error.message}`));
  }

  /**
   * Pub/sub lost whatever was published while the subscriber was
   * disconnected: every open stream is sent what Postgres recorded since,
   * through the same buffer and duplicate check as a replay.
   */
  private async catchUp(lostAt: number): Promise<void> {
    const byUser = new Map<string, LiveStream[]>();
    for (const stream of this.streams) byUser.set(stream.userId, [...(byUser.get(stream.userId) ?? []), stream]);
    const users = [...byUser.entries()];
    const sinceOf = (stream: LiveStream) => Math.max(lostAt, stream.openedAt) - CATCH_UP_MARGIN_MS;
    const next = async (): Promise<void> => {
      const entry = users.shift();
      if (!entry) return;
      const [userId, streams] = entry;
      for (const stream of streams) stream.beginSync();
      try {
        const since = Math.min(...streams.map(sinceOf));
        const rows = await this.notifications.listAfter(userId, { createdAt: new Date(since), id: FIRST_ID } satisfies Keyset, REPLAY_LIMIT);
        for (const stream of streams) stream.replay(rows.filter((n) => n.createdAt.getTime() >= sinceOf(stream)).map(toLiveNotification));
      } catch (error) {
        this.logger.warn({ userId, err: error }, 'could not catch a stream up after a Redis reconnect');
      } finally {
        for (const stream of streams) stream.endSync();
      }
      return next();
    };
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, next));
    if (byUser.size > 0) this.logger.log({ users: byUser.size }, 'caught the open streams up after a Redis reconnect');
  }

  private track(release: Promise<void>): void {
    this.releases.add(release);
    void release.finally(() => this.releases.delete(release));
  }
}

import type { LiveNotificationV1 } from '@darkroom/contracts';
import type { SseSink } from './sse-response';

/**
 * Ids remembered per stream to drop duplicates: a notification that arrives
 * both from the replay and from pub/sub, or is published twice (a retried
 * job). Enough to span a full replay and everything live around it.
 */
export const SENT_IDS_KEPT = 1000;

/**
 * One open stream and the order of what it sends. While Postgres is being
 * asked (the replay when it opens, a catch-up after a Redis reconnect), live
 * notifications wait in a buffer; what Postgres returned goes first, then
 * the buffer, each notification at most once.
 */
export class LiveStream {
  private pendingSyncs = 0;
  private readonly buffered: LiveNotificationV1[] = [];
  // A Set iterates in insertion order: the first entry is the oldest, the one to forget.
  private readonly sent = new Set<string>();

  constructor(
    readonly id: string,
    readonly userId: string,
    /** ms; a catch-up never reaches back further than this. */
    readonly openedAt: number,
    private readonly sink: SseSink,
  ) {}

  get closed(): boolean {
    return this.sink.closed;
  }

  /** A notification from pub/sub. */
  deliver(notification: LiveNotificationV1): void {
    if (this.pendingSyncs === 0) {
      this.send(notification);
      return;
    }
    this.buffered.push(notification);
    // Only a flood can fill it during one query; the client is better served by a reconnect and a replay.
    if (this.buffered.length > SENT_IDS_KEPT) this.sink.end();
  }

  /** Live notifications are held back from now until the matching endSync. */
  beginSync(): void {
    this.pendingSyncs += 1;
  }

  /** What Postgres returned, oldest first; sent before anything buffered. */
  replay(notifications: readonly LiveNotificationV1[]): void {
    for (const notification of notifications) this.send(notification);
  }

  endSync(): void {
    this.pendingSyncs = Math.max(0, this.pendingSyncs - 1);
    if (this.pendingSyncs === 0) for (const notification of this.buffered.splice(0)) this.send(notification);
  }

  /** An event without an id: it leaves the client's Last-Event-ID where it was. */
  notice(event: string, data: object): void {
    this.sink.event(undefined, event, JSON.stringify(data));
  }

  heartbeat(): void {
    this.sink.comment('ping');
  }

  end(): void {
    this.sink.end();
  }

  private send(notification: LiveNotificationV1): void {
    if (this.sent.has(notification.id)) return;
    this.sent.add(notification.id);
    if (this.sent.size > SENT_IDS_KEPT) this.sent.delete(this.sent.values().next().value!);
    this.sink.event(notification.id, 'notification', JSON.stringify(notification));
  }
}

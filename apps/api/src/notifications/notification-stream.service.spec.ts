import { HttpException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { AppConfig } from '@darkroom/config';
import type { LiveNotificationV1 } from '@darkroom/contracts';
import type { Keyset, NotificationsRepository, NotificationView } from '@darkroom/database';
import type { LiveNotificationListener, LiveNotificationSubscriber, ResubscribedListener } from '@darkroom/messaging';
import { CATCH_UP_MARGIN_MS, NotificationStreamService, REPLAY_LIMIT, RETRY_MS } from './notification-stream.service';
import { liveNotification, RecordingSseSink } from './recording-sse-sink';
import type { StreamSlots } from './stream-slots';
import type { StreamTickets } from './stream-tickets';

const USER = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const HEARTBEAT_MS = 1000;

/** The row a live notification was made from. */
function viewOf(n: LiveNotificationV1): NotificationView {
  return { id: n.id, kind: n.kind, uploadId: n.uploadId, actorHandle: n.actor.handle, createdAt: new Date(n.createdAt), readAt: null };
}

class FakeSubscriber {
  readonly listeners = new Map<string, Set<LiveNotificationListener>>();
  resubscribed: ResubscribedListener | undefined;
  stops = 0;
  async listen(userId: string, listener: LiveNotificationListener) {
    const set = this.listeners.get(userId) ?? new Set();
    set.add(listener);
    this.listeners.set(userId, set);
    return () => {
      this.stops += 1;
      set.delete(listener);
    };
  }
  onResubscribed(listener: ResubscribedListener) {
    this.resubscribed = listener;
    return () => undefined;
  }
  publish(userId: string, n: LiveNotificationV1) {
    for (const listener of this.listeners.get(userId) ?? []) listener(n);
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('NotificationStreamService', () => {
  let live: FakeSubscriber;
  let keysetOf: jest.Mock<Promise<Keyset | null>, [string, string]>;
  let listAfter: jest.Mock<Promise<NotificationView[]>, [string, Keyset, number]>;
  let slots: { acquire: jest.Mock; refresh: jest.Mock; release: jest.Mock; maxPerUser: number };
  let gauge: Gauge;
  let service: NotificationStreamService;
  let warned: jest.SpyInstance;
  const openGauge = async () => (await gauge.get()).values[0]?.value ?? 0;
  const [a, b, c, d] = [1, 2, 3, 4].map(liveNotification) as [LiveNotificationV1, LiveNotificationV1, LiveNotificationV1, LiveNotificationV1];

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    live = new FakeSubscriber();
    keysetOf = jest.fn(async (_userId: string, id: string) => ({ createdAt: new Date(a.createdAt), id }));
    listAfter = jest.fn(async (_userId: string, _after: Keyset, _limit: number): Promise<NotificationView[]> => []);
    slots = { acquire: jest.fn(async () => true), refresh: jest.fn(async () => undefined), release: jest.fn(async () => undefined), maxPerUser: 2 };
    gauge = new Gauge({ name: 'notification_streams_spec', help: 'spec', registers: [] });
    service = new NotificationStreamService(
      { keysetOf, listAfter } as unknown as NotificationsRepository,
      live as unknown as LiveNotificationSubscriber,
      slots as unknown as StreamSlots,
      { issue: jest.fn() } as unknown as StreamTickets,
      { stream: { heartbeatMs: HEARTBEAT_MS, maxPerUser: 2, ticketTtlSeconds: 60 } } as AppConfig,
      gauge,
    );
    service.onModuleInit();
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('opens with the retry line, then forwards the user\'s live notifications, and counts the stream', async () => {
    const sink = new RecordingSseSink();
    await service.open(USER, undefined, sink);
    live.publish(USER, a);
    live.publish('someone-else', b);

    expect(sink.writes[0]).toEqual({ kind: 'open', retryMs: RETRY_MS });
    expect(sink.sentIds).toEqual([a.id]);
    expect(slots.acquire).toHaveBeenCalledWith(USER, expect.any(String));
    expect(await openGauge()).toBe(1);
    expect(keysetOf).not.toHaveBeenCalled();
  });

  it('answers 429 before writing anything when the user has no slot left', async () => {
    slots.acquire.mockResolvedValue(false);
    const sink = new RecordingSseSink();
    const refused = service.open(USER, undefined, sink);

    await expect(refused).rejects.toBeInstanceOf(HttpException);
    await expect(refused).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/2 open streams/) });
    expect(sink.writes).toEqual([]);
    expect(live.listeners.size).toBe(0);
    expect(slots.release).not.toHaveBeenCalled();
  });

  it('subscribes before asking Postgres, then sends the replay, then what was published meanwhile, each once', async () => {
    const query = deferred<NotificationView[]>();
    listAfter.mockReturnValue(query.promise);
    const sink = new RecordingSseSink();
    const opening = service.open(USER, a.id, sink);
    await jest.advanceTimersByTimeAsync(0);

    live.publish(USER, c); // committed and published while the replay query runs: both will have it
    live.publish(USER, d);
    expect(sink.writes).toEqual([]);
    query.resolve([b, c].map(viewOf));
    await opening;

    expect(keysetOf).toHaveBeenCalledWith(USER, a.id);
    expect(listAfter).toHaveBeenCalledWith(USER, { createdAt: new Date(a.createdAt), id: a.id }, REPLAY_LIMIT + 1);
    expect(sink.sentIds).toEqual([b.id, c.id, d.id]);
    expect(JSON.parse((sink.writes[1] as { data: string }).data)).toEqual(b);
  });

  it(`replays at most ${REPLAY_LIMIT}, then says the replay was cut`, async () => {
    listAfter.mockResolvedValue(Array.from({ length: REPLAY_LIMIT + 1 }, (_, i) => viewOf(liveNotification(i + 10))));
    const sink = new RecordingSseSink();
    await service.open(USER, a.id, sink);

    expect(sink.sentIds).toHaveLength(REPLAY_LIMIT);
    expect(sink.writes.at(-1)).toEqual({ kind: 'event', id: undefined, event: 'replay-truncated', data: JSON.stringify({ replayed: REPLAY_LIMIT }) });
  });

  it.each([
    ['is not one of the caller\'s', 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e', 1],
    ['is no UUID at all', 'last-seen', 0],
  ])('replays nothing, logs it and goes live when the Last-Event-ID %s', async (_label, lastEventId, lookups) => {
    keysetOf.mockResolvedValue(null);
    const sink = new RecordingSseSink();
    await service.open(USER, lastEventId, sink);
    live.publish(USER, a);

    expect(keysetOf).toHaveBeenCalledTimes(lookups);
    expect(listAfter).not.toHaveBeenCalled();
    expect(sink.sentIds).toEqual([a.id]);
    expect(warned).toHaveBeenCalledWith(expect.objectContaining({ userId: USER }), expect.stringMatching(/Last-Event-ID is not one of the caller's/));
  });

  it('beats every STREAM_HEARTBEAT_MS with a comment and a renewed slot lease', async () => {
    const sink = new RecordingSseSink();
    await service.open(USER, undefined, sink);
    const streamId = slots.acquire.mock.calls[0]![1] as string;

    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS * 3);
    expect(sink.writes.filter((w) => w.kind === 'comment')).toEqual([
      { kind: 'comment', text: 'ping' },
      { kind: 'comment', text: 'ping' },
      { kind: 'comment', text: 'ping' },
    ]);
    expect(slots.refresh.mock.calls).toEqual([
      [USER, streamId],
      [USER, streamId],
      [USER, streamId],
    ]);
  });

  it('cleans up when the client leaves: no more beats, unsubscribed, slot released, gauge down', async () => {
    const sink = new RecordingSseSink();
    await service.open(USER, undefined, sink);
    const streamId = slots.acquire.mock.calls[0]![1] as string;
    sink.end();

    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS * 3);
    expect(slots.refresh).not.toHaveBeenCalled();
    expect(live.stops).toBe(1);
    expect(slots.release).toHaveBeenCalledWith(USER, streamId);
    expect(await openGauge()).toBe(0);
  });

  it('cleans up and never writes the headers when the client leaves while the replay is being read', async () => {
    const query = deferred<NotificationView[]>();
    listAfter.mockReturnValue(query.promise);
    const sink = new RecordingSseSink();
    const opening = service.open(USER, a.id, sink);
    await jest.advanceTimersByTimeAsync(0);
    sink.end();
    query.resolve([b].map(viewOf));
    await opening;

    expect(sink.writes).toEqual([]);
    expect(live.stops).toBe(1);
    expect(slots.release).toHaveBeenCalledTimes(1);
    expect(await openGauge()).toBe(0);
  });

  it('gives the slot and the subscription back when the replay query fails, and lets the error answer', async () => {
    listAfter.mockRejectedValue(new Error('connection terminated'));
    const sink = new RecordingSseSink();

    await expect(service.open(USER, a.id, sink)).rejects.toThrow('connection terminated');
    expect(sink.writes).toEqual([]);
    expect(live.stops).toBe(1);
    expect(slots.release).toHaveBeenCalledTimes(1);
  });

  it('ends every stream on shutdown, releases their slots and admits no new one', async () => {
    const sinks = [new RecordingSseSink(), new RecordingSseSink()];
    for (const sink of sinks) await service.open(USER, undefined, sink);

    await service.beforeApplicationShutdown();
    expect(sinks.map((s) => s.closed)).toEqual([true, true]);
    expect(slots.release).toHaveBeenCalledTimes(2);
    expect(await openGauge()).toBe(0);
    await expect(service.open(USER, undefined, new RecordingSseSink())).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('catches open streams up from Postgres after the subscriber reconnected, without repeating what they had', async () => {
    const at = (ms: number) => ({ ...liveNotification(ms), createdAt: new Date(ms).toISOString() });
    const t0 = Date.now();
    const early = new RecordingSseSink();
    await service.open(USER, undefined, early);
    const justBefore = at(t0 + 25_000); // sent live shortly before the drop: inside the catch-up's margin
    live.publish(USER, justBefore);
    await jest.advanceTimersByTimeAsync(60_000);
    const late = new RecordingSseSink();
    await service.open(USER, undefined, late); // opened after the drop: catches up from its own start only
    const lostAt = t0 + 30_000;
    const [meanwhile, recent, afterwards] = [at(t0 + 40_000), at(t0 + 55_000), at(t0 + 61_000)];
    const query = deferred<NotificationView[]>();
    listAfter.mockReturnValue(query.promise);

    live.resubscribed!(lostAt);
    await jest.advanceTimersByTimeAsync(0);
    live.publish(USER, afterwards); // live again while the catch-up query runs: held back, sent after it
    query.resolve([justBefore, meanwhile, recent].map(viewOf));
    await jest.advanceTimersByTimeAsync(0);

    // One query per user, from the earliest point any of its streams needs.
    expect(listAfter).toHaveBeenCalledTimes(1);
    expect(listAfter).toHaveBeenCalledWith(USER, { createdAt: new Date(lostAt - CATCH_UP_MARGIN_MS), id: '00000000-0000-0000-0000-000000000000' }, REPLAY_LIMIT);
    expect(early.sentIds).toEqual([justBefore.id, meanwhile.id, recent.id, afterwards.id]);
    expect(late.sentIds).toEqual([recent.id, afterwards.id]);
  });
});

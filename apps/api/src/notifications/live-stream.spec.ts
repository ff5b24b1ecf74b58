import type { LiveNotificationV1 } from '@darkroom/contracts';
import { LiveStream, SENT_IDS_KEPT } from './live-stream';
import { liveNotification, RecordingSseSink } from './recording-sse-sink';

describe('LiveStream', () => {
  let sink: RecordingSseSink;
  let stream: LiveStream;
  const [a, b, c, d] = [1, 2, 3, 4].map(liveNotification) as [LiveNotificationV1, LiveNotificationV1, LiveNotificationV1, LiveNotificationV1];

  beforeEach(() => {
    sink = new RecordingSseSink();
    stream = new LiveStream('stream-1', 'user-1', Date.now(), sink);
  });

  it('sends a live notification at once as `event: notification` with its id and JSON', () => {
    stream.deliver(a);
    expect(sink.writes).toEqual([{ kind: 'event', id: a.id, event: 'notification', data: JSON.stringify(a) }]);
  });

  it('holds live notifications back while syncing: the replay first, then what arrived meanwhile, each once', () => {
    stream.beginSync();
    stream.deliver(c); // published while Postgres was asked; the replay has it too
    stream.deliver(d);
    expect(sink.sentIds).toEqual([]);
    stream.replay([a, b, c]);
    expect(sink.sentIds).toEqual([a.id, b.id, c.id]);
    stream.endSync();
    expect(sink.sentIds).toEqual([a.id, b.id, c.id, d.id]);
  });

  it('drops a notification published twice (a retried job)', () => {
    stream.deliver(a);
    stream.deliver(b);
    stream.deliver(a);
    expect(sink.sentIds).toEqual([a.id, b.id]);
  });

  it('flushes the buffer only when the last of overlapping syncs ends', () => {
    stream.beginSync();
    stream.beginSync();
    stream.deliver(c);
    stream.endSync();
    expect(sink.sentIds).toEqual([]);
    stream.replay([a]);
    stream.endSync();
    expect(sink.sentIds).toEqual([a.id, c.id]);
    stream.endSync(); // an extra end changes nothing
    stream.deliver(d);
    expect(sink.sentIds).toEqual([a.id, c.id, d.id]);
  });

  it('remembers a bounded number of ids: the oldest are forgotten first', () => {
    for (let i = 0; i <= SENT_IDS_KEPT; i++) stream.deliver(liveNotification(i));
    stream.deliver(liveNotification(0)); // forgotten: sent again
    stream.deliver(liveNotification(SENT_IDS_KEPT)); // remembered: dropped
    expect(sink.sentIds).toHaveLength(SENT_IDS_KEPT + 2);
    expect(sink.sentIds.at(-1)).toBe(liveNotification(0).id);
  });

  it('ends the stream instead of buffering without bound during a sync', () => {
    stream.beginSync();
    for (let i = 0; i <= SENT_IDS_KEPT; i++) stream.deliver(liveNotification(i));
    expect(sink.closed).toBe(true);
  });

  it('sends notices without an id (the client\'s Last-Event-ID stays put) and heartbeats as comments', () => {
    stream.notice('replay-truncated', { replayed: 500 });
    stream.heartbeat();
    expect(sink.writes).toEqual([
      { kind: 'event', id: undefined, event: 'replay-truncated', data: '{"replayed":500}' },
      { kind: 'comment', text: 'ping' },
    ]);
  });
});

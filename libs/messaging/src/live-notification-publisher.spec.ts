import type { AppConfig } from '@darkroom/config';
import { liveNotificationV1, type LiveNotificationV1 } from '@darkroom/contracts';
import { type LiveNotificationBatch, LiveNotificationPublisher, type LivePublishConnection } from './live-notification-publisher';

const config = { redis: { prefix: 'dr-spec' } } as AppConfig;
const USER = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const OTHER = '9a8b7c6d-5e4f-4d3c-8b2a-1f0e9d8c7b6a';
const A = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f';
const B = '8e3d9b5f-2a4c-4d6e-8f7a-1b2c3d4e5f6a';
const UPLOAD = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

function batch(recipients: LiveNotificationBatch['recipients'], handle = 'ada_l'): LiveNotificationBatch {
  return { kind: 'followee.posted', uploadId: UPLOAD, actor: { handle }, recipients };
}

/** What a browser must receive: the contract's own encoding of the notification. */
function encoded(id: string, createdAt: string, handle = 'ada_l'): string {
  const notification: LiveNotificationV1 = { id, kind: 'followee.posted', uploadId: UPLOAD, actor: { handle }, createdAt, readAt: null };
  return JSON.stringify(liveNotificationV1.parse(notification));
}

/** Runs the script's loop over its arguments the way Redis would, recording each PUBLISH. */
class FakeConnection implements LivePublishConnection {
  readonly scripted: Array<Array<[string, string]>> = [];
  failScript = false;
  eval = jest.fn(async (_script: string, keys: number, ...args: Array<string | Buffer>) => {
    if (this.failScript) throw new Error('READONLY');
    const [channel, before, between, after, packed] = args.slice(keys).map(String);
    const published: Array<[string, string]> = [];
    for (let at = 0; at < packed!.length; at += 96) {
      published.push([channel + packed!.slice(at, at + 36), before + packed!.slice(at + 36, at + 72) + between + packed!.slice(at + 72, at + 96) + after]);
    }
    this.scripted.push(published);
    return published.length;
  });
  quit = jest.fn(async () => 'OK');
}

describe('LiveNotificationPublisher', () => {
  let redis: FakeConnection;
  let publisher: LiveNotificationPublisher;

  beforeEach(() => {
    redis = new FakeConnection();
    publisher = new LiveNotificationPublisher(config, redis);
  });

  it('sends a batch in one script call, each notification on its own user\'s channel, encoded as the contract encodes it', async () => {
    await publisher.publishBatch(
      batch([
        { userId: USER, id: A, createdAt: '2025-03-14T12:00:00.250Z' },
        { userId: OTHER, id: B, createdAt: '2025-03-14T12:00:01.000Z' },
      ]),
    );
    expect(redis.eval).toHaveBeenCalledTimes(1);
    expect(redis.scripted).toEqual([
      [
        [`dr-spec:live:user:${USER}`, encoded(A, '2025-03-14T12:00:00.250Z')],
        [`dr-spec:live:user:${OTHER}`, encoded(B, '2025-03-14T12:00:01.000Z')],
      ],
    ]);
  });

  it('keeps an actor handle that JSON has to escape intact', async () => {
    const handle = 'say "cheese" \\ </script>';
    await publisher.publishBatch(batch([{ userId: USER, id: A, createdAt: '2025-03-14T12:00:00.250Z' }], handle));
    expect(redis.scripted).toEqual([[[`dr-spec:live:user:${USER}`, encoded(A, '2025-03-14T12:00:00.250Z', handle)]]]);
  });

  it('refuses, rather than garbles, a batch whose actor handle holds one of the template\'s stand-ins', async () => {
    await expect(publisher.publishBatch(batch([{ userId: USER, id: A, createdAt: '2025-03-14T12:00:00.250Z' }], 'me<createdAt>'))).rejects.toThrow(/template/);
    expect(redis.eval).not.toHaveBeenCalled();
  });

  it('sends nothing for an empty batch, and rejects when the script fails', async () => {
    await publisher.publishBatch(batch([]));
    expect(redis.eval).not.toHaveBeenCalled();

    redis.failScript = true;
    await expect(publisher.publishBatch(batch([{ userId: USER, id: A, createdAt: '2025-03-14T12:00:00.250Z' }]))).rejects.toThrow('READONLY');
  });

  it.each([
    ['a time that is not ISO UTC', { userId: USER, id: B, createdAt: 'yesterday' }],
    ['a time with an offset', { userId: USER, id: B, createdAt: '2025-03-14T13:00:00.000+01:00' }],
    ['an id that is not a uuid', { userId: USER, id: 'B","readAt":"now', createdAt: '2025-03-14T12:00:00.250Z' }],
    ['a user id that is not a uuid', { userId: '../*', id: B, createdAt: '2025-03-14T12:00:00.250Z' }],
  ])('refuses the whole batch before anything is sent when a recipient has %s', async (_case, bad) => {
    await expect(publisher.publishBatch(batch([{ userId: OTHER, id: A, createdAt: '2025-03-14T12:00:00.250Z' }, bad]))).rejects.toThrow(/breaks the contract/);
    expect(redis.eval).not.toHaveBeenCalled();
  });

  it('refuses a batch whose common part breaks the contract', async () => {
    const bad = { ...batch([{ userId: USER, id: A, createdAt: '2025-03-14T12:00:00.250Z' }]), kind: 'upload.deleted' } as unknown as LiveNotificationBatch;
    await expect(publisher.publishBatch(bad)).rejects.toThrow();
    expect(redis.eval).not.toHaveBeenCalled();
  });

  it('closes its connection on shutdown', async () => {
    await publisher.onApplicationShutdown();
    expect(redis.quit).toHaveBeenCalledTimes(1);
  });
});

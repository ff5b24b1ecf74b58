import type { AppConfig } from '@darkroom/config';
import type { LiveNotificationV1 } from '@darkroom/contracts';
import { LiveNotificationPublisher, type LivePublishConnection } from './live-notification-publisher';

const config = { redis: { prefix: 'dr-spec' } } as AppConfig;
const USER = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const OTHER = '9a8b7c6d-5e4f-4d3c-8b2a-1f0e9d8c7b6a';

function notification(id: string): LiveNotificationV1 {
  return { id, kind: 'upload.processed', uploadId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', actor: { handle: 'ada_l' }, createdAt: '2025-03-14T12:00:00.250Z', readAt: null };
}

class FakeConnection implements LivePublishConnection {
  readonly published: Array<[string, string]> = [];
  readonly scripted: Array<Array<[string, string]>> = [];
  failScript = false;
  publish = jest.fn(async (channel: string, message: string) => {
    this.published.push([channel, message]);
    return 1;
  });
  // The script's effect, as Redis would run it: a PUBLISH per (channel, message) pair of its arguments.
  eval = jest.fn(async (_script: string, keys: number, ...args: string[]) => {
    if (this.failScript) throw new Error('READONLY');
    const batch: Array<[string, string]> = [];
    for (let i = keys; i < args.length; i += 2) batch.push([args[i]!, args[i + 1]!]);
    this.scripted.push(batch);
    return batch.length;
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

  it('publishes the notification\'s JSON on the user\'s channel and reports how many replicas heard it', async () => {
    const n = notification('7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f');
    expect(await publisher.publish(USER, n)).toBe(1);
    expect(redis.published).toEqual([[`dr-spec:live:user:${USER}`, JSON.stringify(n)]]);
  });

  it('sends a page of notifications in one script call, each on its own user\'s channel', async () => {
    const a = notification('7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f');
    const b = notification('8e3d9b5f-2a4c-4d6e-8f7a-1b2c3d4e5f6a');
    await publisher.publishMany([
      { userId: USER, notification: a },
      { userId: OTHER, notification: b },
    ]);
    expect(redis.scripted).toEqual([
      [
        [`dr-spec:live:user:${USER}`, JSON.stringify(a)],
        [`dr-spec:live:user:${OTHER}`, JSON.stringify(b)],
      ],
    ]);
    expect(redis.publish).not.toHaveBeenCalled();
  });

  it('sends nothing for an empty page, and rejects when the script fails', async () => {
    await publisher.publishMany([]);
    expect(redis.eval).not.toHaveBeenCalled();

    redis.failScript = true;
    const items = ['7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f', '8e3d9b5f-2a4c-4d6e-8f7a-1b2c3d4e5f6a'].map((id) => ({ userId: USER, notification: notification(id) }));
    await expect(publisher.publishMany(items)).rejects.toThrow('READONLY');
  });

  it('refuses a notification that breaks the contract before anything is sent', async () => {
    const bad = { ...notification('7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f'), createdAt: 'yesterday' };
    expect(() => publisher.publish(USER, bad)).toThrow();
    await expect(publisher.publishMany([{ userId: USER, notification: bad }])).rejects.toThrow();
    expect(redis.published).toEqual([]);
    expect(redis.scripted.flat()).toEqual([]);
  });

  it('closes its connection on shutdown', async () => {
    await publisher.onApplicationShutdown();
    expect(redis.quit).toHaveBeenCalledTimes(1);
  });
});

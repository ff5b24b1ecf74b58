import { toAppConfig, parseEnv } from '@darkroom/config';
import { CounterClient, RATE_LIMIT_REDIS_TIMEOUT_MS, RedisThrottlerStorage } from './redis-throttler.storage';

/** Redis' INCR + PTTL + PEXPIRE as the script uses them, on a clock the spec moves. */
class FakeCounters implements CounterClient {
  now = 0;
  readonly keys = new Map<string, { hits: number; expiresAt: number }>();
  async eval(_script: string, _keys: number, key: string | number, ttl: string | number): Promise<unknown> {
    let entry = this.keys.get(String(key));
    if (!entry || entry.expiresAt <= this.now) {
      entry = { hits: 0, expiresAt: this.now + Number(ttl) };
      this.keys.set(String(key), entry);
    }
    entry.hits += 1;
    return [entry.hits, entry.expiresAt - this.now];
  }
}

describe('RedisThrottlerStorage', () => {
  it('counts hits per key under the prefix and blocks beyond the limit until the window ends', async () => {
    const redis = new FakeCounters();
    const storage = new RedisThrottlerStorage(redis, 'pfx');

    const first = await storage.increment('k', 60_000, 2, 60_000, 'default');
    expect(first).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect([...redis.keys.keys()]).toEqual(['pfx:throttle:k']);
    await storage.increment('k', 60_000, 2, 60_000, 'default');

    redis.now = 20_500;
    expect(await storage.increment('k', 60_000, 2, 60_000, 'default')).toEqual({ totalHits: 3, timeToExpire: 40, isBlocked: true, timeToBlockExpire: 40 });
    expect((await storage.increment('other', 60_000, 2, 60_000, 'default')).isBlocked).toBe(false);

    redis.now = 60_000;
    expect(await storage.increment('k', 60_000, 2, 60_000, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('never answers Retry-After 0: less than a second left is 1', async () => {
    const storage = new RedisThrottlerStorage({ eval: async () => [5, 120] }, 'pfx');
    expect(await storage.increment('k', 60_000, 2, 60_000, 'default')).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
  });

  it('fails open when Redis errors', async () => {
    const storage = new RedisThrottlerStorage({ eval: () => Promise.reject(new Error('Connection is closed.')) }, 'pfx');
    expect(await storage.increment('k', 60_000, 1, 60_000, 'default')).toEqual({ totalHits: 0, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('with an unreachable Redis, answers (open) at once instead of queueing the command', async () => {
    // port 1 on 127.0.0.1: nothing listens, the connection is refused
    const storage = RedisThrottlerStorage.fromConfig(toAppConfig(parseEnv({ REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent' })));
    try {
      const started = Date.now();
      expect((await storage.increment('k', 60_000, 1, 60_000, 'default')).isBlocked).toBe(false);
      expect(Date.now() - started).toBeLessThan(RATE_LIMIT_REDIS_TIMEOUT_MS + 250);
    } finally {
      await storage.onApplicationShutdown();
    }
  });
});

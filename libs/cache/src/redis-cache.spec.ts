import { Logger } from '@nestjs/common';
import type { AppConfig } from '@darkroom/config';
import { RedisCache } from './redis-cache';

// Nothing listens on port 1: a Redis that is down, without stopping anybody's Redis.
const DOWN = { redis: { url: 'redis://127.0.0.1:1', prefix: 'spec' }, instance: 'spec', connectBackoffMaxMs: 10_000, cache: { ttlSeconds: 60 } } as AppConfig;

describe('RedisCache while Redis is down', () => {
  let cache: RedisCache;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined); // the reconnect attempts
    cache = new RedisCache(DOWN);
  });

  afterEach(async () => {
    await cache.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('fails every call at once instead of queueing it until the reconnect attempts run out', async () => {
    const started = Date.now();

    await expect(cache.read('profile', 'u1')).rejects.toThrow(/cache is unavailable/);
    await expect(cache.write('profile', 'u1', '0', 1)).rejects.toThrow(/cache is unavailable/);
    await expect(cache.invalidate('profile', ['u1'])).rejects.toThrow(/cache is unavailable/);

    expect(Date.now() - started).toBeLessThan(200);
  });

  it('so getOrLoad answers from the loader straight away', async () => {
    const started = Date.now();

    expect(await cache.getOrLoad('profile', 'u1', async () => 'from postgres')).toBe('from postgres');
    expect(Date.now() - started).toBeLessThan(200);
  });
});

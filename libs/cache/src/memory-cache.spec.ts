import { MemoryCache } from './memory-cache';

describe('versioned cache-aside (MemoryCache, the same contract as RedisCache)', () => {
  it('loads once, then serves the stored value', async () => {
    const cache = new MemoryCache();
    const load = jest.fn().mockResolvedValue({ n: 1 });

    expect(await cache.getOrLoad('profile', 'u1', load)).toEqual({ n: 1 });
    expect(await cache.getOrLoad('profile', 'u1', load)).toEqual({ n: 1 });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('loads again after invalidate', async () => {
    const cache = new MemoryCache();
    await cache.getOrLoad('profile', 'u1', async () => 'old');
    await cache.invalidate('profile', ['u1']);

    expect(await cache.getOrLoad('profile', 'u1', async () => 'new')).toBe('new');
  });

  it('never serves a value loaded before an invalidation and written after it', async () => {
    const cache = new MemoryCache();
    const { version } = await cache.read('feed', 'u1'); // a reader starts, loads the old data…
    await cache.invalidate('feed', ['u1']); // …the data changes meanwhile…
    await cache.write('feed', 'u1', version, 'stale'); // …and the slow reader writes what it loaded

    expect((await cache.read('feed', 'u1')).value).toBeUndefined();
  });

  it('keeps ids apart', async () => {
    const cache = new MemoryCache();
    await cache.getOrLoad('profile', 'u1', async () => 1);
    await cache.getOrLoad('profile', 'u2', async () => 2);
    await cache.invalidate('profile', ['u1']);

    expect((await cache.read('profile', 'u1')).value).toBeUndefined();
    expect((await cache.read('profile', 'u2')).value).toBe(2);
  });
});

/**
 * Cache-aside with versioned entries. Every entry belongs to a (namespace, id)
 * pair that has a version counter; a change bumps the counter (`invalidate`),
 * and an entry written under an older version is never served again. A reader
 * that loaded from Postgres before the change and writes after it therefore
 * cannot plant a stale entry: it writes under the version it read first.
 */
export abstract class Cache {
  /** The cached value (undefined on a miss) and the version a fresh value must be written under. */
  abstract read<T>(namespace: string, id: string): Promise<{ value: T | undefined; version: string }>;
  abstract write(namespace: string, id: string, version: string, value: unknown): Promise<void>;
  /** Bumps the version of every id: their entries are stale from this moment on. */
  abstract invalidate(namespace: string, ids: readonly string[]): Promise<void>;

  /** Serves from the cache, or loads, stores and returns; a cache that fails only costs the load. */
  async getOrLoad<T>(namespace: string, id: string, load: () => Promise<T>): Promise<T> {
    let version: string | undefined;
    try {
      const cached = await this.read<T>(namespace, id);
      if (cached.value !== undefined) return cached.value;
      version = cached.version;
    } catch {
      return load(); // Redis is down: Postgres still answers, uncached
    }
    const value = await load();
    await this.write(namespace, id, version, value).catch(() => undefined);
    return value;
  }
}

/**
 * The namespaces in use, and who invalidates them:
 * - `profile` (id: user id): counts of GET /v1/users/:handle; follow/unfollow (api) for both users,
 *   an upload done (notifier) or deleted (api) for its owner.
 * - `feed` (id: viewer's user id): the first feed page as ordered upload ids; follow/unfollow (api)
 *   for the follower, a followee's upload done (notifier, page by page with the fan-out).
 *   Items are hydrated from Postgres by primary key on every read, so a deleted upload vanishes at once.
 * - `token` (id: token hash): the user a bearer token belongs to.
 */
export const CACHE_NAMESPACE = { profile: 'profile', feed: 'feed', token: 'token' } as const;

import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { createRedis } from '@darkroom/messaging';
import { Cache } from './cache';

// A version counter outlives every entry written under it (CACHE_TTL_SECONDS is at most a day),
// so a counter that expired and restarts at 0 can never match a live entry of an earlier 0.
const VERSION_TTL_SECONDS = 2 * 86_400;

/** For each key: bump its version, keep the counter alive, drop the entry. */
const INVALIDATE_SCRIPT = `
for _, key in ipairs(KEYS) do
  redis.call('INCR', key .. ':v')
  redis.call('EXPIRE', key .. ':v', ARGV[1])
  redis.call('UNLINK', key)
end
return #KEYS`;

interface Stored {
  v: string;
  d: unknown;
}

/**
 * Cache on Redis: `<prefix>:cache:<ns>:<id>` holds {v, d}, `…:v` the version counter; one MGET per read.
 * While the connection is not ready every call fails at once instead of waiting in ioredis' offline
 * queue: that queue holds a command for up to maxRetriesPerRequest reconnect attempts (measured: 24 to
 * 40 s per call with Redis down and CONNECT_BACKOFF_MAX_MS=10000), and the token lookup of every
 * request goes through here. getOrLoad then answers from Postgres straight away.
 */
@Injectable()
export class RedisCache extends Cache implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisCache.name);
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(config: AppConfig) {
    super();
    this.redis = createRedis(config, 'cache', { blocking: false });
    this.prefix = `${config.redis.prefix}:cache`;
    this.ttlSeconds = config.cache.ttlSeconds;
  }

  async read<T>(namespace: string, id: string): Promise<{ value: T | undefined; version: string }> {
    this.assertReady();
    const key = this.key(namespace, id);
    const [version, raw] = await this.redis.mget(`${key}:v`, key);
    const current = version ?? '0';
    if (raw === null) return { value: undefined, version: current };
    const stored = JSON.parse(raw) as Stored;
    return { value: stored.v === current ? (stored.d as T) : undefined, version: current };
  }

  async write(namespace: string, id: string, version: string, value: unknown): Promise<void> {
    this.assertReady();
    const stored: Stored = { v: version, d: value };
    await this.redis.set(this.key(namespace, id), JSON.stringify(stored), 'EX', this.ttlSeconds);
  }

  async invalidate(namespace: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    this.assertReady();
    // One script call for a whole page of followers: three commands per id as separate commands would cost a
    // fan-out of 100,000 some 300,000 client-side command objects (the notifier's memory) and as many parses.
    const keys = ids.map((id) => this.key(namespace, id));
    try {
      await this.redis.eval(INVALIDATE_SCRIPT, keys.length, ...keys, VERSION_TTL_SECONDS);
    } catch (error) {
      this.logger.warn(`invalidating ${namespace} entries failed: ${(error as Error).message}`);
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private assertReady(): void {
    if (this.redis.status !== 'ready') throw new Error(`the cache is unavailable: its Redis connection is ${this.redis.status}`);
  }

  private key(namespace: string, id: string): string {
    return `${this.prefix}:${namespace}:${id}`;
  }
}

import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { createRedis } from '@darkroom/messaging';

/** What ThrottlerStorage.increment answers; times in seconds, as the guard writes them into headers. */
export interface ThrottlerRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** The part of ioredis this storage uses, so that a spec can hand in a fake. */
export interface CounterClient {
  eval(script: string, keys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * A fixed window per key: the first hit starts it (PEXPIRE), every hit counts
 * (INCR), one round trip and atomic, so two api replicas counting the same
 * caller never both let the limit + 1st request through.
 */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { hits, ttl }`;

/** A hung or unreachable Redis costs a request at most this long before the limiter lets it through. */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 500;

/**
 * ThrottlerStorage on Redis, so that a limit holds over every api replica.
 * Keys are `<REDIS_PREFIX>:throttle:<key>`.
 *
 * Fail open: if Redis is down or slow, requests are let through (and a warning
 * logged, at most once a minute) rather than refused or kept waiting. A rate
 * limiter guards against abuse; refusing every sign-up and upload because the
 * counter is unreachable would turn a Redis outage into an api outage.
 *
 * Written here instead of using @nest-lab/throttler-storage-redis: its
 * releases (up to 1.2.0) declare peer dependencies up to Nest 11 only.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private lastWarning = 0;

  constructor(
    private readonly client: CounterClient & Partial<Pick<Redis, 'quit' | 'disconnect'>>,
    private readonly prefix: string,
  ) {}

  static fromConfig(config: AppConfig): RedisThrottlerStorage {
    const client = createRedis(config, 'rate-limit', { blocking: false, failFast: { commandTimeoutMs: RATE_LIMIT_REDIS_TIMEOUT_MS } });
    return new RedisThrottlerStorage(client, config.redis.prefix);
  }

  /** `ttl` and `blockDuration` in ms (the guard's units); a blocked caller waits for the window to end. */
  async increment(key: string, ttl: number, limit: number, _blockDuration: number, _throttlerName: string): Promise<ThrottlerRecord> {
    try {
      const [hits, pttl] = (await this.client.eval(HIT, 1, `${this.prefix}:throttle:${key}`, ttl)) as [number, number];
      const seconds = Math.max(1, Math.ceil(pttl / 1000));
      const isBlocked = hits > limit;
      return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
    } catch (error) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`rate limits are not enforced: Redis did not answer (${error instanceof Error ? error.message : String(error)})`);
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() fails while not connected (no offline queue); then stop reconnecting at once
    await this.client.quit?.().catch(() => this.client.disconnect?.());
  }
}

import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { StreamRedis } from './stream-redis';

// Redis' clock, not the replicas': every replica judges expiry by the same time.
const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS[1] the user's set; ARGV: stream id, lease ms, limit. Expired leases go,
 * then the stream is admitted if the rest leave room. Atomic, so two replicas
 * admitting at the same moment cannot both take the last slot.
 */
const ACQUIRE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Extends a lease (re-adding it if Redis lost it meanwhile: the stream is open either way). */
const REFRESH = `${NOW_MS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

type SlotCommands = Redis & {
  acquireStreamSlot(key: string, streamId: string, leaseMs: number, limit: number): Promise<number>;
  refreshStreamSlot(key: string, streamId: string, leaseMs: number): Promise<number>;
};

/**
 * Open streams per user across every api replica: a sorted set
 * `<prefix>:streams:<userId>`, member = stream id, score = lease expiry.
 * A replica refreshes its streams' leases on every heartbeat and removes
 * them on close; the leases of a replica that died expire after three
 * missed heartbeats, and the set itself with its last lease.
 */
@Injectable()
export class StreamSlots {
  private readonly redis: SlotCommands;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly limit: number;

  constructor(redis: StreamRedis, config: AppConfig) {
    redis.client.defineCommand('acquireStreamSlot', { numberOfKeys: 1, lua: ACQUIRE });
    redis.client.defineCommand('refreshStreamSlot', { numberOfKeys: 1, lua: REFRESH });
    this.redis = redis.client as SlotCommands;
    this.prefix = `${config.redis.prefix}:streams:`;
    this.leaseMs = 3 * config.stream.heartbeatMs;
    this.limit = config.stream.maxPerUser;
  }

  get maxPerUser(): number {
    return this.limit;
  }

  /** False when the user already holds the maximum of open streams. */
  async acquire(userId: string, streamId: string): Promise<boolean> {
    return (await this.redis.acquireStreamSlot(this.key(userId), streamId, this.leaseMs, this.limit)) === 1;
  }

  async refresh(userId: string, streamId: string): Promise<void> {
    await this.redis.refreshStreamSlot(this.key(userId), streamId, this.leaseMs);
  }

  async release(userId: string, streamId: string): Promise<void> {
    await this.redis.zrem(this.key(userId), streamId);
  }

  private key(userId: string): string {
    return this.prefix + userId;
  }
}

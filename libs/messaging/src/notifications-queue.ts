import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { UPLOAD_EVENT_NAMES, UploadEventName, uploadEventJobId, UploadEventV1 } from '@darkroom/contracts';
import { OutboxRow } from '@darkroom/database';
import { OutboxSink } from './outbox-relay';
import { createRedis } from './redis-connection';

/** Producer side of the BullMQ notifications queue; also the worker's outbox sink for upload events. */
@Injectable()
export class NotificationsQueue implements OutboxSink, OnApplicationShutdown {
  readonly topics = [...UPLOAD_EVENT_NAMES];
  private readonly redis: Redis;
  private readonly queue: Queue;

  constructor(config: AppConfig) {
    this.redis = createRedis(config, 'notifications-producer', { blocking: false });
    this.queue = new Queue(config.redis.notificationsQueue, {
      connection: this.redis,
      prefix: config.redis.prefix,
      defaultJobOptions: {
        // 12 attempts, 1 s doubling: the last is ~68 min after the first, so a notifier whose
        // database is down for an hour still records every notification (the outbox row is already
        // marked published, and a replay would find this jobId and add nothing).
        attempts: 12,
        backoff: { type: 'exponential', delay: 1000 },
        // Completed jobs are kept a day so that a replayed outbox row still finds its jobId and adds nothing.
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    // Without a listener BullMQ prints connection errors raw to stderr; the Redis client already logs them as JSON.
    this.queue.on('error', () => undefined);
  }

  /** add(), not addBulk(): only add() skips a job whose jobId already exists. */
  async add(event: UploadEventName, payload: UploadEventV1): Promise<void> {
    await this.queue.add(event, payload, { jobId: uploadEventJobId(event, payload.uploadId) });
  }

  publish(row: OutboxRow): Promise<void> {
    return this.add(row.topic as UploadEventName, row.payload as UploadEventV1);
  }

  /** Jobs not yet finished, by BullMQ state: waiting (incl. prioritized), delayed (backing off), active, failed (gave up). */
  async depth(): Promise<{ state: string; jobs: number }[]> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
    return [
      { state: 'waiting', jobs: (counts.waiting ?? 0) + (counts.prioritized ?? 0) },
      { state: 'delayed', jobs: counts.delayed ?? 0 },
      { state: 'active', jobs: counts.active ?? 0 },
      { state: 'failed', jobs: counts.failed ?? 0 },
    ];
  }

  get name(): string {
    return this.queue.name;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.redis.quit().catch(() => undefined);
  }
}

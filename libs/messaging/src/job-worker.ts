import { Logger } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { createRedis } from './redis-connection';


/**
 * A BullMQ worker with its own blocking Redis connection. `handle` receives
 * each job; a throw is a failed attempt that BullMQ retries with backoff.
 */
export class JobWorker {
  private readonly logger = new Logger(JobWorker.name);
  private readonly redis: Redis;
  private worker?: Worker;

  constructor(
    private readonly config: AppConfig,
    private readonly queue: string,
    private readonly concurrency: number,
  ) {
    this.redis = createRedis(config, `${queue}-worker`, { blocking: true });
  }

  start(handle: (job: Job) => Promise<unknown>): void {
    this.worker = new Worker(this.queue, handle, {
      connection: this.redis,
      prefix: this.config.redis.prefix,
      concurrency: this.concurrency,
    });
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`job ${job?.id} (${job?.name}) failed on attempt ${job?.attemptsMade}: ${error.message}`),
    );
    this.worker.on('error', (error) => this.logger.warn(`worker error: ${error.message}`));
  }

  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Waits for jobs in progress, then disconnects. */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.redis.quit().catch(() => undefined);
  }
}

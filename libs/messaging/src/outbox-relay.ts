import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OutboxRepository, OutboxRow } from '@darkroom/database';
import { PollPacer } from './poll-pacer';

/** Where the relay hands a row: RabbitMQ for the contracts' RabbitMQ events, BullMQ for upload events. */
export interface OutboxSink {
  readonly topics: string[];
  publish(row: OutboxRow): Promise<void>;
}

const BATCH = 100;
/**
 * A publish the broker (or Redis) has not confirmed by then ends the pass, which backs off; the row is given
 * back and published again later (consumers dedupe by messageId / jobId, should the first one land after all).
 * A blocked RabbitMQ connection (a memory or disk alarm) otherwise waits for ever.
 */
export const PUBLISH_TIMEOUT_MS = 10_000;
/** Longer than a batch of confirmed publishes takes, so a live relay's rows are never taken from it. */
const LEASE_SECONDS = 60;

/**
 * Publishes outbox rows written in the same transaction as the change they
 * announce: the api's RabbitMQ events, the worker's upload.* events. Polls every
 * OUTBOX_POLL_MS and is kicked right after a commit, so the usual latency is
 * one round trip. Rows are claimed with a lease (no lock held while publishing): any number of relays
 * share the table, and every publish has PUBLISH_TIMEOUT_MS to be confirmed.
 * Delivery is at-least-once (a crash between publish and mark republishes);
 * consumers dedupe by messageId / jobId.
 */
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private running = false;
  private readonly pacer: PollPacer;
  private loop?: Promise<void>;
  private pending = false;
  private failures = 0;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly sink: OutboxSink,
    pollMs: number,
  ) {
    this.pacer = new PollPacer(pollMs);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.pacer.wake();
    await this.loop;
  }

  /**
   * Publish soon: called after a transaction that wrote an outbox row commits.
   * While the sink is failing the relay keeps its backoff (every commit during
   * a broker outage would otherwise retry at once); the row waits its turn.
   */
  kick(): void {
    this.pending = true;
    if (this.failures === 0) this.pacer.wake();
  }

  private async publishInTime(row: OutboxRow): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`publishing outbox row ${row.id} (${row.topic}) got no confirmation within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.sink.publish(row), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pending = false;
      try {
        // A full batch means there may be more; shutdown stops between batches, not after the backlog.
        while (this.running) {
          const pass = await this.outbox.publishPending(this.sink.topics, BATCH, (row) => this.publishInTime(row), LEASE_SECONDS);
          if (pass.error) throw pass.error;
          if (pass.claimed < BATCH) break;
        }
        this.failures = 0;
      } catch (error) {
        this.failures++;
        this.logger.warn(`publishing outbox rows failed (${(error as Error).message}); retry ${this.failures} soon`);
      }
      if (!this.running) break;
      if (this.pending && this.failures === 0) continue;
      await this.pacer.wait(this.failures);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { UPLOAD_EVENT_NAMES, UploadEventName, uploadEventJobId, UploadEventV1 } from '@darkroom/contracts';
import type { OutboxRow } from '@darkroom/database';
import { bullQueueNames } from './bull-queues';
import { OutboxSink } from './outbox-relay';

/** The worker's outbox sink for upload events: each row becomes a job on the notifications queue. */
@Injectable()
export class UploadEventsQueue implements OutboxSink {
  readonly topics = [...UPLOAD_EVENT_NAMES];

  constructor(@InjectQueue(bullQueueNames().notifications) private readonly queue: Queue) {
    // Without a listener BullMQ prints connection errors raw to stderr; the connection's retryStrategy already logs them.
    this.queue.on('error', () => undefined);
  }

  /** add(), not addBulk(): add() is what skips a job whose jobId already exists, so a replayed row adds nothing. */
  publish(row: OutboxRow): Promise<void> {
    const event = row.topic as UploadEventName;
    const payload = row.payload as UploadEventV1;
    return this.queue.add(event, payload, { jobId: uploadEventJobId(event, payload.uploadId) }).then(() => undefined);
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
    await this.queue.getJobCounts('waiting'); // one round trip through BullMQ's own connection
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { loadConfig } from '@darkroom/config';
import { UPLOAD_EVENT_NAMES, UploadEventName, uploadEventV1 } from '@darkroom/contracts';
import { bullQueueNames } from '@darkroom/messaging';
import { FanOutService } from './fan-out.service';
import { isRetry, RESILIENT_WORKER } from './resilient-worker';

/** Upload events from the workers: checked against their contract, then handed to the fan-out. */
@Processor(bullQueueNames().notifications, { ...RESILIENT_WORKER, concurrency: loadConfig().notifier.concurrency })
export class UploadEventsProcessor extends WorkerHost {
  constructor(
    private readonly fanOut: FanOutService,
    private readonly log: PinoLogger,
  ) {
    super();
    this.log.setContext(UploadEventsProcessor.name);
  }

  process(job: Job): Promise<void> {
    return this.log.runInContext(
      async () => {
        const parsed = uploadEventV1.safeParse(job.data);
        if (!UPLOAD_EVENT_NAMES.includes(job.name as UploadEventName) || !parsed.success) {
          // Retrying cannot fix a malformed job; fail it for good and keep it for inspection.
          this.log.error({ name: job.name }, 'job breaks the upload event v1 contract; discarding');
          throw new UnrecoverableError(`invalid ${job.name} job`);
        }
        this.log.assign({ uploadId: parsed.data.uploadId, requestId: parsed.data.requestId });
        await this.fanOut.onUploadEvent(job.name as UploadEventName, parsed.data, isRetry(job));
      },
      { bindings: { jobId: job.id, attempt: job.attemptsMade + 1 } },
    );
  }
}

import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '@darkroom/config';
import { UPLOAD_EVENT_NAMES, UploadEventName, uploadEventV1 } from '@darkroom/contracts';
import { JobWorker } from '@darkroom/messaging';
import { UploadEventsService } from './upload-events.service';

/** Consumes the notifications queue: checks each job against its contract, then hands it to the service. */
@Injectable()
export class UploadEventsProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly worker: JobWorker;

  constructor(
    private readonly events: UploadEventsService,
    private readonly log: PinoLogger,
    config: AppConfig,
  ) {
    this.log.setContext(UploadEventsProcessor.name);
    this.worker = new JobWorker(config, config.redis.notificationsQueue, config.notifier.concurrency);
  }

  onApplicationBootstrap(): void {
    this.worker.start((job) => this.process(job));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.close();
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
        await this.events.record(job.name as UploadEventName, parsed.data);
      },
      { bindings: { jobId: job.id, attempt: job.attemptsMade + 1 } },
    );
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { loadConfig } from '@darkroom/config';
import { FAN_OUT_DONE, FAN_OUT_PAGE, fanOutDoneV1, FanOutPageResult, fanOutPageV1 } from '@darkroom/contracts';
import { bullQueueNames } from '@darkroom/messaging';
import { FanOutService } from './fan-out.service';
import { isRetry, RESILIENT_WORKER } from './resilient-worker';

/** The fan-out flow: a child job per page of followers, and the parent that runs once they all have. */
@Processor(bullQueueNames().fanOut, { ...RESILIENT_WORKER, concurrency: loadConfig().notifier.concurrency })
export class FanOutProcessor extends WorkerHost {
  constructor(
    private readonly fanOut: FanOutService,
    private readonly log: PinoLogger,
  ) {
    super();
    this.log.setContext(FanOutProcessor.name);
  }

  process(job: Job): Promise<FanOutPageResult> {
    return this.log.runInContext(
      async () => {
        if (job.name === FAN_OUT_PAGE) {
          const page = fanOutPageV1.safeParse(job.data);
          if (page.success) {
            this.log.assign({ uploadId: page.data.uploadId, requestId: page.data.requestId, page: page.data.page });
            return this.fanOut.deliverPage(page.data, isRetry(job));
          }
        } else if (job.name === FAN_OUT_DONE) {
          const done = fanOutDoneV1.safeParse(job.data);
          if (done.success) {
            this.log.assign({ uploadId: done.data.uploadId, requestId: done.data.requestId });
            const pages = Object.values(await job.getChildrenValues<FanOutPageResult>());
            return this.fanOut.finish(done.data, pages);
          }
        }
        this.log.error({ name: job.name }, 'job breaks the fan-out v1 contract; discarding');
        throw new UnrecoverableError(`invalid ${job.name} job`);
      },
      { bindings: { jobId: job.id, attempt: job.attemptsMade + 1 } },
    );
  }
}

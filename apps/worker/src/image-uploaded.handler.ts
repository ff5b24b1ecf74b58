import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { PinoLogger } from 'nestjs-pino';
import { IMAGE_UPLOADED, imageUploadedV1 } from '@darkroom/contracts';
import { AmqpJobContext, JobOutcome } from '@darkroom/messaging';
import { DevelopUploadService } from './develop-upload.service';

/** Validates the message against the v1 contract and hands it to the service; returns the outcome. */
@Controller()
export class ImageUploadedHandler {
  constructor(
    private readonly develop: DevelopUploadService,
    private readonly log: PinoLogger,
  ) {
    this.log.setContext(ImageUploadedHandler.name);
  }

  @EventPattern<typeof IMAGE_UPLOADED>(IMAGE_UPLOADED)
  handle(@Payload() body: unknown, @Ctx() context: AmqpJobContext): Promise<JobOutcome> | JobOutcome {
    const parsed = imageUploadedV1.safeParse(body);
    if (!parsed.success) {
      this.log.error({ problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'message breaks the image.uploaded v1 contract');
      return 'reject';
    }
    return this.develop.develop(parsed.data, { number: context.attempt, max: context.maxAttempts, isLast: context.isLastAttempt });
  }
}

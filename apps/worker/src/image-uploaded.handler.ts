import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IMAGE_UPLOADED, type ImageUploadedV1 } from '@darkroom/contracts';
import { AmqpJobContext, JobOutcome } from '@darkroom/messaging';
import { DevelopUploadService } from './develop-upload.service';

/** Hands an upload (already checked against the v1 contract by the transport) to the service; returns the outcome. */
@Controller()
export class ImageUploadedHandler {
  constructor(private readonly develop: DevelopUploadService) {}

  @EventPattern<typeof IMAGE_UPLOADED>(IMAGE_UPLOADED)
  handle(@Payload() upload: ImageUploadedV1, @Ctx() context: AmqpJobContext): Promise<JobOutcome> {
    return this.develop.develop(upload, { number: context.attempt, max: context.maxAttempts, isLast: context.isLastAttempt });
  }
}

import { Injectable } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { IMAGE_UPLOADED, ImageUploadedV1 } from '@darkroom/contracts';
import { OutboxRow } from '@darkroom/database';
import { OutboxSink } from './outbox-relay';
import { RabbitPublisher } from './rabbit-publisher';

/** The api's outbox sink: image.uploaded rows become persistent messages, messageId = uploadId. */
@Injectable()
export class ImageUploadedSink implements OutboxSink {
  readonly topics = [IMAGE_UPLOADED];

  constructor(
    private readonly publisher: RabbitPublisher,
    private readonly config: AppConfig,
  ) {}

  publish(row: OutboxRow): Promise<void> {
    const payload = row.payload as ImageUploadedV1;
    return this.publisher.publish(this.config.rabbit.exchange, IMAGE_UPLOADED, payload, {
      messageId: payload.uploadId,
      correlationId: payload.requestId,
      type: IMAGE_UPLOADED,
    });
  }
}

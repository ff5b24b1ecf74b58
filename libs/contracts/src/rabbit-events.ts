import type { z } from 'zod';
import { IMAGE_UPLOADED, imageUploadedV1, type ImageUploadedV1 } from './image-uploaded.message';

/** The queue families of the configuration (config.rabbit.queues): each names a queue, its retry queue and its dead-letter queue. */
export type RabbitQueueFamily = 'images';

/**
 * One message type that travels over RabbitMQ, and everything the transport needs to carry it:
 * the exchange routes `pattern` to the family's queue, a retry copy waits in its retry queue, and a
 * message given up on is parked in its dead-letter queue. Every pattern has a family of its own, so
 * one message type's backlog or poison never holds up another's.
 */
export interface RabbitEvent<T = unknown> {
  /** Routing key and AMQP `type` of the message; also the @EventPattern of its one handler. */
  readonly pattern: string;
  readonly queue: RabbitQueueFamily;
  /** The body a consumer gets: a message that breaks it is dead-lettered before any handler runs. */
  readonly schema: z.ZodType<T>;
  /** The id every copy of one event carries (`messageId`), so a repeat can be told from a new event. */
  messageId(payload: T): string;
  /** The request that caused it (`correlationId`), for following one photo through the logs. */
  correlationId(payload: T): string | undefined;
}

export const imageUploadedEvent: RabbitEvent<ImageUploadedV1> = {
  pattern: IMAGE_UPLOADED,
  queue: 'images',
  schema: imageUploadedV1,
  messageId: (upload) => upload.uploadId,
  correlationId: (upload) => upload.requestId,
};

/** Every RabbitMQ message type: the api publishes these through its outbox, the workers consume them. */
export const RABBIT_EVENTS: readonly RabbitEvent[] = [imageUploadedEvent as RabbitEvent];

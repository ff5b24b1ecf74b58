import type { Channel } from 'amqplib';
import { IMAGE_UPLOADED } from '@darkroom/contracts';

export interface ImagesTopologyNames {
  exchange: string;
  queue: string;
  retryQueue: string;
  deadQueue: string;
}

/**
 * Declared identically by publisher and consumer, whichever starts first:
 *   exchange --image.uploaded--> queue --(nack)--> dead queue
 *   retry queue --(per-message TTL expires)--> exchange --> queue
 * Quorum queues: replicated when the broker is a cluster, and durable either way.
 * The delay is a per-message expiration, not a queue argument, so apps with
 * different RETRY_DELAY_MS never disagree about the queue's declaration.
 */
export async function declareImagesTopology(channel: Channel, names: ImagesTopologyNames): Promise<void> {
  await channel.assertExchange(names.exchange, 'direct', { durable: true });
  await channel.assertQueue(names.deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue(names.queue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': names.deadQueue,
    },
  });
  await channel.bindQueue(names.queue, names.exchange, IMAGE_UPLOADED);
  await channel.assertQueue(names.retryQueue, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': names.exchange,
      'x-dead-letter-routing-key': IMAGE_UPLOADED,
    },
  });
}

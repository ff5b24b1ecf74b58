import type { Channel } from 'amqplib';
import type { AppConfig, RabbitQueueNames } from '@darkroom/config';
import { RABBIT_EVENTS, type RabbitEvent } from '@darkroom/contracts';

export type RabbitTopologyConfig = Pick<AppConfig['rabbit'], 'exchange' | 'queues'>;

/** One message type with the configured names of its three queues. */
export interface EventQueues extends RabbitQueueNames {
  event: RabbitEvent;
  exchange: string;
}

/**
 * Each event of the catalogue with its queues' names from the configuration. Throws when a family has no
 * names configured, or when two events share a family: the retry queue sends a copy back by its pattern,
 * and one message type's poison or backlog must not hold up another's.
 */
export function eventQueues(config: RabbitTopologyConfig, events: readonly RabbitEvent[] = RABBIT_EVENTS): EventQueues[] {
  const seen = new Map<string, string>();
  return events.map((event) => {
    const names = (config.queues as Record<string, RabbitQueueNames | undefined>)[event.queue];
    if (!names) throw new Error(`no queue names are configured for "${event.queue}", the queue family of "${event.pattern}"`);
    const other = seen.get(event.queue);
    if (other) throw new Error(`"${event.pattern}" and "${other}" share the queue family "${event.queue}"; each message type needs its own`);
    seen.set(event.queue, event.pattern);
    return { event, exchange: config.exchange, ...names };
  });
}

/**
 * Declared identically by publisher, consumer and the dlq tool, whichever starts first. For each event:
 *   exchange --pattern--> queue --(nack)--> dead queue
 *   retry queue --(per-message TTL expires)--> exchange --pattern--> queue
 * Quorum queues: replicated when the broker is a cluster, and durable either way.
 * The delay is a per-message expiration, not a queue argument, so apps with
 * different RETRY_DELAY_MS never disagree about the queue's declaration.
 */
export async function declareRabbitTopology(channel: Channel, config: RabbitTopologyConfig, events: readonly RabbitEvent[] = RABBIT_EVENTS): Promise<void> {
  await channel.assertExchange(config.exchange, 'direct', { durable: true });
  for (const { event, queue, retryQueue, deadQueue } of eventQueues(config, events)) {
    await channel.assertQueue(deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadQueue },
    });
    await channel.bindQueue(queue, config.exchange, event.pattern);
    await channel.assertQueue(retryQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': config.exchange, 'x-dead-letter-routing-key': event.pattern },
    });
  }
}

import type { ConfirmChannel, GetMessage, MessageProperties } from 'amqplib';
import type { EventQueues } from './rabbit-topology';

/** One message in the dead-letter queue, as an operator needs to see it. */
export interface DeadLetter {
  messageId: string | null;
  type: string;
  /** Our attempt counter when it was parked (x-attempt). */
  attempt: number | null;
  /** Why the broker moved it (x-first-death-reason: rejected, expired, delivery_limit). */
  reason: string | null;
  /** The upload it is about, when its body says so. */
  uploadId: string | null;
  body: string;
}

/**
 * One event's dead-letter queue, for `npm run dlq`. Nothing here leaves a message requeued by the broker:
 * the queues are quorum queues, which count every return as a delivery and drop a message past their
 * delivery limit. Reading therefore moves each message to the back of the queue as a confirmed copy before
 * acknowledging the original, so listing as often as one likes loses and ages nothing.
 */
export class DeadLetters {
  constructor(
    private readonly channel: ConfirmChannel,
    private readonly names: EventQueues,
  ) {}

  /** Every message, oldest first; the queue holds the same messages afterwards. */
  async list(): Promise<DeadLetter[]> {
    const seen: DeadLetter[] = [];
    await this.each(async (message) => {
      seen.push(describe(message, this.names.event.pattern));
      await this.send('', this.names.deadQueue, message, message.properties.headers ?? {});
    });
    return seen;
  }

  /**
   * Publishes the messages `which` picks (all by default) to the exchange again as a first attempt,
   * each after `beforeEach` (the caller puts the upload back in the queue); the rest stay, in order.
   */
  async replay(which: (letter: DeadLetter) => boolean, beforeEach: (letter: DeadLetter) => Promise<void>): Promise<DeadLetter[]> {
    const replayed: DeadLetter[] = [];
    await this.each(async (message) => {
      const letter = describe(message, this.names.event.pattern);
      if (!which(letter)) {
        await this.send('', this.names.deadQueue, message, message.properties.headers ?? {});
        return;
      }
      await beforeEach(letter);
      await this.send(this.names.exchange, letter.type, message, { 'x-attempt': 1, 'x-replayed-at': new Date().toISOString() });
      replayed.push(letter);
    });
    return replayed;
  }

  /** Drops every message; resolves to how many there were. */
  async purge(): Promise<number> {
    return (await this.channel.purgeQueue(this.names.deadQueue)).messageCount;
  }

  /** Takes each message that was in the queue when called, once: `handle` must send it on before it is acked. */
  private async each(handle: (message: GetMessage) => Promise<void>): Promise<void> {
    const { messageCount } = await this.channel.checkQueue(this.names.deadQueue);
    for (let i = 0; i < messageCount; i++) {
      const message = await this.channel.get(this.names.deadQueue, { noAck: false });
      if (!message) return;
      try {
        await handle(message);
      } catch (error) {
        this.channel.nack(message, false, true); // not sent on: back to the broker, which keeps it
        throw error;
      }
      this.channel.ack(message);
    }
  }

  private async send(exchange: string, routingKey: string, message: GetMessage, headers: Record<string, unknown>): Promise<void> {
    const { messageId, correlationId, type, contentType } = message.properties as MessageProperties;
    this.channel.publish(exchange, routingKey, message.content, { persistent: true, mandatory: true, messageId, correlationId, type, contentType, headers: ours(headers) });
    await this.channel.waitForConfirms();
  }
}

/** Our headers only: the broker's x-death bookkeeping describes the old message, not the copy. */
function ours(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('x-death') && !name.startsWith('x-first-death') && !name.startsWith('x-last-death') && name !== 'x-delivery-count'));
}

function describe(message: GetMessage, pattern: string): DeadLetter {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const body = message.content.toString('utf8');
  let uploadId: string | null = null;
  try {
    const parsed = JSON.parse(body) as { uploadId?: unknown };
    if (typeof parsed.uploadId === 'string') uploadId = parsed.uploadId;
  } catch {
    /* not JSON: shown as it is */
  }
  return {
    messageId: (message.properties.messageId as string | undefined) ?? null,
    type: String(message.properties.type || pattern),
    attempt: typeof headers['x-attempt'] === 'number' ? headers['x-attempt'] : null,
    reason: typeof headers['x-first-death-reason'] === 'string' ? headers['x-first-death-reason'] : null,
    uploadId,
    body,
  };
}

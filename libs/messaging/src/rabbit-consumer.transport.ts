import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';
import { PinoLogger } from 'nestjs-pino';
import { lastValueFrom } from 'rxjs';
import { AppConfig } from '@darkroom/config';
import { IMAGE_UPLOADED } from '@darkroom/contracts';
import { AmqpJobContext, JobOutcome } from './amqp-job.context';
import { ConsumerMetrics, SettledAs } from './consumer-metrics';
import { declareImagesTopology } from './images-topology';
import { ManagedChannel } from './managed-channel';
import { RabbitConnection } from './rabbit-connection';
import { RabbitPublisher } from './rabbit-publisher';

const ATTEMPT_HEADER = 'x-attempt';
const OUTCOMES: readonly string[] = ['done', 'retry', 'reject', 'defer'];
const DEFERRALS_HEADER = 'x-deferrals';
/** Longest wait of a deferred message: dependencies are polled at least this often while down. */
const MAX_DEFER_MS = 60_000;
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Nest microservice transport for the images queue, written on amqplib
 * because the built-in RMQ transport's contract (Nest's own JSON envelope,
 * noAck by default, no retry topology) is not ours:
 *  - plain JSON bodies; the pattern is the message `type` (or routing key);
 *  - manual ack, only after the handler resolved, so after its commit;
 *  - prefetch = WORKER_CONCURRENCY, so a worker never holds more than it works on;
 *  - handler outcome decides: done → ack, retry → copy to the retry queue with
 *    a growing delay (then ack), reject or attempts exhausted → dead-letter queue.
 *    A thrown exception counts as retry.
 */
@Injectable()
export class RabbitConsumerTransport extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  readonly transportId = Symbol('darkroom-amqp');
  private readonly channel: ManagedChannel<Channel>;
  /** The consumer of the current channel; a reopened channel needs a new one. */
  private consumer?: { channel: Channel; tag: string };
  private listening = false;
  private inFlight = new Set<Promise<void>>();
  private draining?: Promise<void>;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly publisher: RabbitPublisher,
    private readonly config: AppConfig,
    private readonly log: PinoLogger,
    private readonly metrics: ConsumerMetrics,
  ) {
    super();
    this.log.setContext(RabbitConsumerTransport.name);
    this.channel = new ManagedChannel(
      connection,
      'consumer',
      (model) => model.createChannel(),
      async (channel) => {
        await declareImagesTopology(channel, this.config.rabbit);
        await channel.prefetch(this.config.worker.concurrency);
        if (this.listening) await this.consume(channel);
      },
      config.connectBackoffMaxMs,
    );
  }

  /** True while a channel is open and consuming (readiness). */
  get consuming(): boolean {
    const current = this.channel.current;
    return current !== undefined && this.consumer?.channel === current;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.listening = true;
      await this.connection.start();
      const current = this.channel.current;
      if (current && this.consumer?.channel !== current) await this.consume(current);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * The first step of a shutdown (SIGTERM): stop taking messages and finish
   * the ones in hand, before Nest closes the HTTP port and the connections
   * these jobs still need.
   */
  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  async close(): Promise<void> {
    await this.drain();
    await this.channel.close();
    this.log.info('consumer closed');
  }

  private drain(): Promise<void> {
    this.draining ??= this.stopConsuming();
    return this.draining;
  }

  private async stopConsuming(): Promise<void> {
    this.listening = false;
    const consumer = this.consumer;
    this.consumer = undefined;
    this.log.info({ inFlight: this.inFlight.size }, 'stopped consuming; finishing the jobs in hand');
    if (consumer) await consumer.channel.cancel(consumer.tag).catch(() => undefined);
    // Let jobs in progress finish and ack; anything unacked is redelivered to another worker anyway.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
    await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
    clearTimeout(timer);
  }

  on(): void {
    throw new Error('RabbitConsumerTransport does not emit events');
  }

  unwrap<T>(): T {
    return this.channel.current as T;
  }

  private async consume(channel: Channel): Promise<void> {
    const patterns = [...this.getHandlers().keys()];
    // The boot check: every message type on this queue has exactly one handler, or the worker does not start
    // (a missing or mistyped @EventPattern would otherwise dead-letter every upload at run time).
    const handler = this.getHandlerByPattern(IMAGE_UPLOADED);
    if (!handler) throw new Error(`no @EventPattern handler for "${IMAGE_UPLOADED}" (registered: ${JSON.stringify(patterns)})`);
    if (handler.next) throw new Error(`more than one @EventPattern handler for "${IMAGE_UPLOADED}"`);
    const { consumerTag } = await channel.consume(
      this.config.rabbit.queue,
      (message) => {
        if (!message) {
          // The broker cancelled us (queue deleted or failed over): a fresh channel re-declares and consumes again.
          this.log.warn({ queue: this.config.rabbit.queue }, 'the broker cancelled the consumer; reopening the channel');
          void channel.close().catch(() => undefined);
          return;
        }
        const work = this.handle(channel, message).finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      },
      { noAck: false },
    );
    this.consumer = { channel, tag: consumerTag };
    this.log.info({ queue: this.config.rabbit.queue, prefetch: this.config.worker.concurrency, patterns }, 'consuming');
  }

  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const attempt = Math.max(1, Number(message.properties.headers?.[ATTEMPT_HEADER]) || 1);
    // redelivered: the broker gave it to us again after a consumer died holding it (kill -9, lost connection).
    const bindings = { messageId: message.properties.messageId, attempt, ...(message.fields.redelivered ? { redelivered: true } : {}) };
    const measured = this.metrics.start(this.config.rabbit.queue);
    await this.log.runInContext(
      async () => {
        const outcome = await this.run(message, attempt);
        measured(await this.settle(channel, message, outcome, attempt));
      },
      { bindings },
    );
  }

  private async run(message: ConsumeMessage, attempt: number): Promise<JobOutcome> {
    const pattern = String(message.properties.type || message.fields.routingKey);
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      this.log.error({ pattern }, 'no handler for this message type; dead-lettering it');
      return 'reject';
    }
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      this.log.error({ pattern }, 'message body is not JSON; dead-lettering it');
      return 'reject';
    }
    try {
      const context = new AmqpJobContext([message, attempt, this.config.worker.maxAttempts]);
      const result = await lastValueFrom(this.transformToObservable(await handler(body, context)), { defaultValue: 'done' });
      return typeof result === 'string' && OUTCOMES.includes(result) ? (result as JobOutcome) : 'done';
    } catch (error) {
      this.log.warn({ err: error, pattern }, 'handler threw; the message will be retried');
      return 'retry';
    }
  }

  /** A fresh copy to the retry queue, back on the main queue after `delayMs`: ids and type travel on, the broker's headers (x-death) do not. */
  private async requeueLater(message: ConsumeMessage, counters: Record<string, number>, delayMs: number): Promise<void> {
    const { messageId, correlationId, type, headers } = message.properties;
    const { 'x-death': _death, 'x-first-death-exchange': _e, 'x-first-death-queue': _q, 'x-first-death-reason': _r, ...ours } = headers ?? {};
    await this.publisher.publish('', this.config.rabbit.retryQueue, JSON.parse(message.content.toString('utf8')), {
      messageId,
      correlationId,
      type,
      headers: { ...ours, ...counters },
      expiration: String(delayMs),
    });
  }

  private async settle(channel: Channel, message: ConsumeMessage, outcome: JobOutcome, attempt: number): Promise<SettledAs> {
    try {
      if (outcome === 'done') {
        channel.ack(message);
        return 'processed';
      }
      if (outcome === 'retry' && attempt < this.config.worker.maxAttempts) {
        const delay = this.config.worker.retryDelayMs * 2 ** (attempt - 1);
        await this.requeueLater(message, { [ATTEMPT_HEADER]: attempt + 1 }, delay);
        this.log.info({ nextAttempt: attempt + 1, delayMs: delay }, 'scheduled retry');
        channel.ack(message);
        return 'retried';
      }
      if (outcome === 'defer') {
        const deferrals = Math.max(0, Number(message.properties.headers?.[DEFERRALS_HEADER]) || 0);
        const delay = Math.min(this.config.worker.retryDelayMs * 2 ** deferrals, MAX_DEFER_MS);
        await this.requeueLater(message, { [ATTEMPT_HEADER]: attempt, [DEFERRALS_HEADER]: deferrals + 1 }, delay);
        this.log.info({ deferrals: deferrals + 1, delayMs: delay }, 'deferred without counting an attempt');
        channel.ack(message);
        return 'deferred';
      }
      this.log.warn({ outcome, attempt, queue: this.config.rabbit.deadQueue }, 'dead-lettering message');
      channel.nack(message, false, false);
      return 'dead_lettered';
    } catch (error) {
      // The channel died, or the retry could not be published: leave the message to the broker,
      // which redelivers it (handlers are idempotent).
      this.log.warn({ err: error }, 'could not settle message; it will be redelivered');
      try {
        channel.nack(message, false, true);
      } catch {
        /* channel already closed: the broker requeues unacked messages by itself */
      }
      return 'redelivered';
    }
  }
}

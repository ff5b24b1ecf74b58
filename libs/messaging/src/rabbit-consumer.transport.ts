import { BeforeApplicationShutdown, Inject, Injectable, Optional } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';
import { PinoLogger } from 'nestjs-pino';
import { lastValueFrom } from 'rxjs';
import { AppConfig } from '@darkroom/config';
import { RABBIT_EVENTS, type RabbitEvent } from '@darkroom/contracts';
import { AmqpJobContext, JobOutcome } from './amqp-job.context';
import { ConsumerMetrics, SettledAs } from './consumer-metrics';
import { ManagedChannel } from './managed-channel';
import { RabbitConnection } from './rabbit-connection';
import { RabbitPublisher } from './rabbit-publisher';
import { declareRabbitTopology, eventQueues, type EventQueues } from './rabbit-topology';

/** Overrides the catalogue of events a transport consumes (libs/contracts' RABBIT_EVENTS by default). */
export const CONSUMED_EVENTS = Symbol('CONSUMED_EVENTS');

/** One consumed queue: its event, its queues' names and the one handler of its pattern. */
interface Route extends EventQueues {
  handler: MessageHandler;
}

const ATTEMPT_HEADER = 'x-attempt';
const OUTCOMES: readonly string[] = ['done', 'retry', 'reject', 'defer'];
const DEFERRALS_HEADER = 'x-deferrals';
/** Longest wait of a deferred message: dependencies are polled at least this often while down. */
const MAX_DEFER_MS = 60_000;
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Nest microservice transport for the RabbitMQ events of libs/contracts, written
 * on amqplib because the built-in RMQ transport's contract (Nest's own JSON
 * envelope, noAck by default, no retry topology) is not ours:
 *  - one queue per event, its topology derived from the event's contract
 *    (rabbit-topology.ts); at start-up every event must have exactly one
 *    @EventPattern handler and every handler an event, or the app does not start;
 *  - plain JSON bodies, checked against the event's schema before the handler
 *    sees them (a message that breaks it is dead-lettered);
 *  - manual ack, only after the handler resolved, so after its commit;
 *  - prefetch = WORKER_CONCURRENCY per queue, so a worker never holds more than it works on;
 *  - handler outcome decides: done → ack, retry → copy to the retry queue with
 *    a growing delay (then ack), reject or attempts exhausted → dead-letter queue.
 *    A thrown exception counts as retry.
 */
@Injectable()
export class RabbitConsumerTransport extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  readonly transportId = Symbol('darkroom-amqp');
  private readonly channel: ManagedChannel<Channel>;
  /** The consumers of the current channel; a reopened channel needs new ones. */
  private consumer?: { channel: Channel; tags: string[] };
  /** Set by listen() once the handlers passed the start-up check. */
  private routes: Route[] = [];
  private listening = false;
  private inFlight = new Set<Promise<void>>();
  private draining?: Promise<void>;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly publisher: RabbitPublisher,
    private readonly config: AppConfig,
    private readonly log: PinoLogger,
    private readonly metrics: ConsumerMetrics,
    @Optional() @Inject(CONSUMED_EVENTS) private readonly events: readonly RabbitEvent[] = RABBIT_EVENTS,
  ) {
    super();
    this.log.setContext(RabbitConsumerTransport.name);
    this.channel = new ManagedChannel(
      connection,
      'consumer',
      (model) => model.createChannel(),
      async (channel) => {
        await declareRabbitTopology(channel, this.config.rabbit, this.events);
        await channel.prefetch(this.config.worker.concurrency);
        if (this.listening) await this.consume(channel);
      },
      config.connectBackoffMaxMs,
    );
  }

  /** True while a channel is open and consuming every queue (readiness). */
  get consuming(): boolean {
    const current = this.channel.current;
    return current !== undefined && this.consumer?.channel === current;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.routes = this.routeHandlers();
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
    for (const tag of consumer?.tags ?? []) await consumer!.channel.cancel(tag).catch(() => undefined);
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

  /**
   * The start-up check, as Immich's job registry does it: every event has exactly one handler and every
   * handler an event. A missing or mistyped @EventPattern would otherwise dead-letter every message at run time.
   */
  private routeHandlers(): Route[] {
    const patterns = new Set(this.events.map((event) => event.pattern));
    const strays = [...this.getHandlers().keys()].filter((pattern) => !patterns.has(pattern));
    if (strays.length > 0) throw new Error(`@EventPattern handler for an event no contract declares: ${JSON.stringify(strays)} (declared: ${JSON.stringify([...patterns])})`);
    return eventQueues(this.config.rabbit, this.events).map((queues) => {
      const handler = this.getHandlerByPattern(queues.event.pattern);
      if (!handler) throw new Error(`no @EventPattern handler for "${queues.event.pattern}"`);
      if (handler.next) throw new Error(`more than one @EventPattern handler for "${queues.event.pattern}"`);
      return { ...queues, handler };
    });
  }

  private async consume(channel: Channel): Promise<void> {
    const tags: string[] = [];
    for (const route of this.routes) {
      const { consumerTag } = await channel.consume(
        route.queue,
        (message) => {
          if (!message) {
            // The broker cancelled us (queue deleted or failed over): a fresh channel re-declares and consumes again.
            this.log.warn({ queue: route.queue }, 'the broker cancelled the consumer; reopening the channel');
            void channel.close().catch(() => undefined);
            return;
          }
          const work = this.handle(channel, route, message).finally(() => this.inFlight.delete(work));
          this.inFlight.add(work);
        },
        { noAck: false },
      );
      tags.push(consumerTag);
    }
    this.consumer = { channel, tags };
    const queues = Object.fromEntries(this.routes.map((route) => [route.event.pattern, route.queue]));
    this.log.info({ queues, prefetch: this.config.worker.concurrency }, 'consuming');
  }

  private async handle(channel: Channel, route: Route, message: ConsumeMessage): Promise<void> {
    const attempt = Math.max(1, Number(message.properties.headers?.[ATTEMPT_HEADER]) || 1);
    // redelivered: the broker gave it to us again after a consumer died holding it (kill -9, lost connection).
    const bindings = { messageId: message.properties.messageId, attempt, ...(message.fields.redelivered ? { redelivered: true } : {}) };
    const measured = this.metrics.start(route.queue);
    await this.log.runInContext(
      async () => {
        const outcome = await this.run(route, message, attempt);
        measured(await this.settle(channel, route, message, outcome, attempt));
      },
      { bindings },
    );
  }

  private async run({ event, handler }: Route, message: ConsumeMessage, attempt: number): Promise<JobOutcome> {
    const { pattern } = event;
    const type = message.properties.type as string | undefined;
    if (type && type !== pattern) {
      this.log.error({ pattern, type }, `a "${type}" message arrived on the queue of "${pattern}"; dead-lettering it`);
      return 'reject';
    }
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch {
      this.log.error({ pattern }, 'message body is not JSON; dead-lettering it');
      return 'reject';
    }
    const parsed = event.schema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
      this.log.error({ pattern, problems }, `message breaks the ${pattern} contract; dead-lettering it`);
      return 'reject';
    }
    try {
      const context = new AmqpJobContext([message, attempt, this.config.worker.maxAttempts]);
      const result = await lastValueFrom(this.transformToObservable(await handler(parsed.data, context)), { defaultValue: 'done' });
      return typeof result === 'string' && OUTCOMES.includes(result) ? (result as JobOutcome) : 'done';
    } catch (error) {
      this.log.warn({ err: error, pattern }, 'handler threw; the message will be retried');
      return 'retry';
    }
  }

  /** A fresh copy to the retry queue, back on the main queue after `delayMs`: ids and type travel on, the broker's headers (x-death) do not. */
  private async requeueLater(route: Route, message: ConsumeMessage, counters: Record<string, number>, delayMs: number): Promise<void> {
    const { messageId, correlationId, type, headers } = message.properties;
    const { 'x-death': _death, 'x-first-death-exchange': _e, 'x-first-death-queue': _q, 'x-first-death-reason': _r, ...ours } = headers ?? {};
    await this.publisher.publish('', route.retryQueue, JSON.parse(message.content.toString('utf8')), {
      messageId,
      correlationId,
      type,
      headers: { ...ours, ...counters },
      expiration: String(delayMs),
    });
  }

  private async settle(channel: Channel, route: Route, message: ConsumeMessage, outcome: JobOutcome, attempt: number): Promise<SettledAs> {
    try {
      if (outcome === 'done') {
        channel.ack(message);
        return 'processed';
      }
      if (outcome === 'retry' && attempt < this.config.worker.maxAttempts) {
        const delay = this.config.worker.retryDelayMs * 2 ** (attempt - 1);
        await this.requeueLater(route, message, { [ATTEMPT_HEADER]: attempt + 1 }, delay);
        this.log.info({ nextAttempt: attempt + 1, delayMs: delay }, 'scheduled retry');
        channel.ack(message);
        return 'retried';
      }
      if (outcome === 'defer') {
        const deferrals = Math.max(0, Number(message.properties.headers?.[DEFERRALS_HEADER]) || 0);
        const delay = Math.min(this.config.worker.retryDelayMs * 2 ** deferrals, MAX_DEFER_MS);
        await this.requeueLater(route, message, { [ATTEMPT_HEADER]: attempt, [DEFERRALS_HEADER]: deferrals + 1 }, delay);
        this.log.info({ deferrals: deferrals + 1, delayMs: delay }, 'deferred without counting an attempt');
        channel.ack(message);
        return 'deferred';
      }
      this.log.warn({ outcome, attempt, queue: route.deadQueue }, 'dead-lettering message');
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

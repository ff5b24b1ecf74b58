import type { MessageHandler } from '@nestjs/microservices';
import type { ChannelModel, ConsumeMessage, Options } from 'amqplib';
import type { PinoLogger } from 'nestjs-pino';
import { Counter, Histogram } from 'prom-client';
import { of, type Observable } from 'rxjs';
import { z } from 'zod';
import type { AppConfig } from '@darkroom/config';
import type { RabbitEvent, RabbitQueueFamily } from '@darkroom/contracts';
import { AmqpJobContext } from './amqp-job.context';
import { ConsumerMetrics } from './consumer-metrics';
import type { ConnectionSetup, RabbitConnection } from './rabbit-connection';
import { RabbitConsumerTransport } from './rabbit-consumer.transport';
import type { RabbitPublisher } from './rabbit-publisher';

const CONFIG = {
  rabbit: {
    exchange: 'x',
    queues: { images: { queue: 'q', retryQueue: 'q.retry', deadQueue: 'q.dead' }, shares: { queue: 's', retryQueue: 's.retry', deadQueue: 's.dead' } },
  },
  worker: { concurrency: 2, maxAttempts: 3, retryDelayMs: 100 },
};
const BODY = { version: 1, uploadId: '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f' };

/** Events of the spec's own, so the transport is shown to know nothing of the real catalogue. */
function event(pattern: string, queue: string): RabbitEvent {
  return {
    pattern,
    queue: queue as RabbitQueueFamily,
    schema: z.object({ version: z.literal(1), uploadId: z.uuid() }),
    messageId: (body) => (body as typeof BODY).uploadId,
    correlationId: () => undefined,
  };
}
const TAKEN = event('photo.taken', 'images');
const SHARED = event('photo.shared', 'shares');

/** An amqplib channel as far as the transport uses it; keeps the consume callback for the spec to deliver through. */
class FakeChannel {
  private readonly onMessage = new Map<string, (message: ConsumeMessage | null) => void>();
  private readonly listeners = new Map<string, (...args: unknown[]) => void>();
  readonly assertExchange = jest.fn(async (..._args: unknown[]) => ({}));
  readonly assertQueue = jest.fn(async (..._args: unknown[]) => ({}));
  readonly bindQueue = jest.fn(async (..._args: unknown[]) => ({}));
  readonly prefetch = jest.fn(async (_count: number) => undefined);
  readonly consume = jest.fn(async (queue: string, onMessage: (message: ConsumeMessage | null) => void, _options: Options.Consume): Promise<{ consumerTag: string }> => {
    this.onMessage.set(queue, onMessage);
    return { consumerTag: `ctag-${this.consume.mock.calls.length}` };
  });
  readonly ack = jest.fn((_message: ConsumeMessage) => undefined);
  readonly nack = jest.fn((_message: ConsumeMessage, _allUpTo?: boolean, _requeue?: boolean) => undefined);
  readonly cancel = jest.fn(async (_consumerTag: string) => ({}));
  readonly close = jest.fn(async () => undefined);
  readonly on = jest.fn((event: string, listener: (...args: unknown[]) => void) => {
    this.listeners.set(event, listener);
    return this;
  });

  deliver(message: ConsumeMessage | null, queue = 'q'): void {
    const onMessage = this.onMessage.get(queue);
    if (!onMessage) throw new Error(`nobody consumes ${queue} on this channel`);
    onMessage(message);
  }

  emit(event: string, ...args: unknown[]): void {
    this.listeners.get(event)?.(...args);
  }

  settled(message: ConsumeMessage): boolean {
    return [...this.ack.mock.calls, ...this.nack.mock.calls].some(([m]) => m === message);
  }
}

let deliveryTag = 0;

function message(
  content: unknown,
  { attempt, type = 'photo.taken', routingKey = 'photo.taken', redelivered = false, raw }: {
    attempt?: number;
    type?: string;
    routingKey?: string;
    redelivered?: boolean;
    raw?: string;
  } = {},
): ConsumeMessage {
  deliveryTag++;
  return {
    content: Buffer.from(raw ?? JSON.stringify(content)),
    fields: { routingKey, redelivered, deliveryTag, exchange: 'x', consumerTag: 'ctag-1' },
    properties: {
      type,
      messageId: `msg-${deliveryTag}`,
      headers: attempt === undefined ? { 'x-trace': 'kept' } : { 'x-trace': 'kept', 'x-attempt': attempt },
    },
  } as unknown as ConsumeMessage;
}

/** Lets the transport's promise chains run: a bounded number of event-loop turns, never a sleep. */
async function until(condition: () => boolean, what = 'the condition'): Promise<void> {
  for (let turn = 0; turn < 100; turn++) {
    if (condition()) return;
    await new Promise(setImmediate);
  }
  throw new Error(`${what} did not come true within 100 turns of the event loop`);
}

describe('RabbitConsumerTransport', () => {
  let setups: ConnectionSetup[];
  let start: jest.Mock<Promise<void>, []>;
  let publish: jest.Mock<Promise<void>, [string, string, object, Options.Publish?]>;
  let log: { setContext: jest.Mock; info: jest.Mock; warn: jest.Mock; error: jest.Mock; runInContext: jest.Mock };
  let handler: jest.Mock<Promise<unknown> | Observable<unknown>, [unknown, AmqpJobContext]>;
  let channel: FakeChannel;
  let transport: RabbitConsumerTransport;
  let jobs: Counter;

  function model(ch: FakeChannel): ChannelModel {
    return { createChannel: async () => ch } as unknown as ChannelModel;
  }

  /** What RabbitConnection does after a (re)connect: run every registered setup with the new connection. */
  async function connect(ch: FakeChannel): Promise<void> {
    for (const setup of setups) await setup(model(ch));
  }

  function register(): void {
    transport.addHandler('photo.taken', handler as unknown as MessageHandler, true);
  }

  async function listen(): Promise<unknown> {
    return new Promise((resolve) => void transport.listen((error?: unknown) => resolve(error)));
  }

  /** Connected, a handler registered, listening: the worker as it runs. */
  async function consuming(): Promise<void> {
    register();
    await connect(channel);
    expect(await listen()).toBeUndefined();
  }

  async function deliver(msg: ConsumeMessage, queue = 'q'): Promise<void> {
    channel.deliver(msg, queue);
    await until(() => channel.settled(msg), `settling ${msg.properties.messageId}`);
  }

  beforeEach(() => {
    setups = [];
    start = jest.fn(async () => undefined);
    publish = jest.fn<Promise<void>, [string, string, object, Options.Publish?]>(async () => undefined);
    log = {
      setContext: jest.fn(),
      info: jest.fn(),
      warn: jest.fn(),
      error: jest.fn(),
      runInContext: jest.fn((fn: () => unknown) => fn()),
    };
    handler = jest.fn<Promise<unknown> | Observable<unknown>, [unknown, AmqpJobContext]>(async () => 'done');
    channel = new FakeChannel();
    transport = build(CONFIG);
  });

  /** The outcome label of every message counted so far, with its count. */
  async function settledAs(): Promise<Record<string, number>> {
    const { values } = await jobs.get();
    return Object.fromEntries(values.map((v) => [`${v.labels.queue} ${v.labels.outcome}`, v.value]));
  }

  function build(config: typeof CONFIG, events: readonly RabbitEvent[] = [TAKEN]): RabbitConsumerTransport {
    setups = [];
    jobs = new Counter({ name: 'jobs_spec', help: 'spec', labelNames: ['queue', 'outcome'], registers: [] });
    const duration = new Histogram({ name: 'job_duration_spec', help: 'spec', labelNames: ['queue', 'outcome'], registers: [] });
    return new RabbitConsumerTransport(
      { onConnect: (setup: ConnectionSetup) => setups.push(setup), start } as unknown as RabbitConnection,
      { publish } as unknown as RabbitPublisher,
      config as unknown as AppConfig,
      log as unknown as PinoLogger,
      new ConsumerMetrics(jobs, duration),
      events,
    );
  }

  it('registers one setup that declares the topology and sets prefetch to the worker concurrency', async () => {
    expect(setups).toHaveLength(1);
    expect(log.setContext).toHaveBeenCalledWith('RabbitConsumerTransport');

    await connect(channel);

    expect(channel.assertExchange).toHaveBeenCalledWith('x', 'direct', { durable: true });
    expect(channel.assertQueue).toHaveBeenCalledWith('q.dead', expect.anything());
    expect(channel.assertQueue).toHaveBeenCalledWith('q', {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'q.dead' },
    });
    expect(channel.assertQueue).toHaveBeenCalledWith('q.retry', {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'x', 'x-dead-letter-routing-key': 'photo.taken' },
    });
    expect(channel.bindQueue).toHaveBeenCalledWith('q', 'x', 'photo.taken');
    expect(channel.prefetch).toHaveBeenCalledWith(2);
    // Not listening yet: nothing is consumed before Nest calls listen().
    expect(channel.consume).not.toHaveBeenCalled();
    expect(transport.consuming).toBe(false);
  });

  it('consumes the queue with manual acks once listening', async () => {
    await consuming();

    expect(start).toHaveBeenCalledTimes(1);
    expect(channel.consume).toHaveBeenCalledTimes(1);
    expect(channel.consume).toHaveBeenCalledWith('q', expect.any(Function), { noAck: false });
    expect(transport.consuming).toBe(true);
  });

  it('reports through the listen callback that no handler is registered', async () => {
    await connect(channel);

    const error = await listen();

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/no @EventPattern handler/);
    expect(channel.consume).not.toHaveBeenCalled();
    expect(transport.consuming).toBe(false);
  });

  it('refuses to start with a handler for a pattern no contract declares, naming it', async () => {
    register();
    await connect(channel);
    transport.addHandler('photo.takne', jest.fn(), true);

    expect(((await listen()) as Error).message).toMatch(/no contract declares: \["photo.takne"\]/);
    expect(channel.consume).not.toHaveBeenCalled();
  });

  it('refuses to start with two handlers for one pattern', async () => {
    await connect(channel);
    transport.addHandler('photo.taken', jest.fn(), true);
    transport.addHandler('photo.taken', jest.fn(), true);

    expect(((await listen()) as Error).message).toMatch(/more than one @EventPattern handler for "photo.taken"/);
    expect(channel.consume).not.toHaveBeenCalled();
  });

  it('refuses to start when one of several events has no handler', async () => {
    transport = build(CONFIG, [TAKEN, SHARED]);
    register();
    await connect(channel);

    expect(((await listen()) as Error).message).toMatch(/no @EventPattern handler for "photo.shared"/);
    expect(channel.consume).not.toHaveBeenCalled();
  });

  it.each([
    ['two events share a queue family', [TAKEN, event('photo.kept', 'images')], /"photo.kept" and "photo.taken" share the queue family "images"/],
    ['an event has no queue names configured', [TAKEN, event('photo.lost', 'nowhere')], /no queue names are configured for "nowhere", the queue family of "photo.lost"/],
  ])('refuses to declare the topology when %s', async (_label, events, problem) => {
    transport = build(CONFIG, events);

    await expect(connect(channel)).rejects.toThrow(problem);
  });

  it('reports a connection that cannot start through the listen callback', async () => {
    register();
    const refused = new Error('ECONNREFUSED');
    start.mockRejectedValueOnce(refused);

    await expect(listen()).resolves.toBe(refused);
  });

  it('acks a message whose handler returns done, handing it the parsed body and the attempt', async () => {
    await consuming();
    const msg = message(BODY, { redelivered: true });

    await deliver(msg);

    expect(handler).toHaveBeenCalledTimes(1);
    const [data, context] = handler.mock.calls[0]!;
    expect(data).toEqual(BODY);
    expect(context).toBeInstanceOf(AmqpJobContext);
    expect(context.message).toBe(msg);
    expect(context.attempt).toBe(1);
    expect(context.maxAttempts).toBe(3);
    expect(context.isLastAttempt).toBe(false);
    expect(channel.ack).toHaveBeenCalledWith(msg);
    expect(channel.nack).not.toHaveBeenCalled();
    expect(publish).not.toHaveBeenCalled();
    expect(log.runInContext).toHaveBeenCalledWith(expect.any(Function), {
      bindings: { messageId: msg.properties.messageId, attempt: 1, redelivered: true },
    });
    expect(await settledAs()).toEqual({ 'q processed': 1 });
  });

  it('acks when the handler returns nothing or something that is not an outcome', async () => {
    await consuming();
    handler.mockResolvedValueOnce(undefined);
    const first = message(BODY);
    await deliver(first);
    handler.mockResolvedValueOnce({ ok: true });
    const second = message(BODY);
    await deliver(second);

    expect(channel.ack.mock.calls).toEqual([[first], [second]]);
    expect(channel.nack).not.toHaveBeenCalled();
  });

  it('reads the outcome from an observable the handler returns', async () => {
    await consuming();
    handler.mockReturnValueOnce(of('reject'));
    const msg = message(BODY);

    await deliver(msg);

    expect(channel.nack).toHaveBeenCalledWith(msg, false, false);
  });

  it('takes a message without a type as the event of its queue', async () => {
    await consuming();
    const msg = message(BODY, { type: '' });

    await deliver(msg);

    expect(handler).toHaveBeenCalledTimes(1);
    expect(channel.ack).toHaveBeenCalledWith(msg);
  });

  it('dead-letters a body that breaks the event contract without calling the handler, naming each problem', async () => {
    await consuming();
    const msg = message({ version: 2, uploadId: 'nope' });

    await deliver(msg);

    expect(handler).not.toHaveBeenCalled();
    expect(channel.nack).toHaveBeenCalledWith(msg, false, false);
    expect(log.error).toHaveBeenCalledWith(
      { pattern: 'photo.taken', problems: [expect.stringMatching(/^version: /), expect.stringMatching(/^uploadId: /)] },
      'message breaks the photo.taken contract; dead-lettering it',
    );
  });

  it('consumes one queue per event and settles each message through the queues of its own event', async () => {
    transport = build(CONFIG, [TAKEN, SHARED]);
    const shared = jest.fn(async () => 'retry');
    register();
    transport.addHandler('photo.shared', shared as unknown as MessageHandler, true);
    await connect(channel);
    expect(await listen()).toBeUndefined();

    expect(channel.consume.mock.calls.map(([queue]) => queue)).toEqual(['q', 's']);
    expect(channel.bindQueue).toHaveBeenCalledWith('s', 'x', 'photo.shared');
    expect(channel.assertQueue).toHaveBeenCalledWith('s.retry', {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'x', 'x-dead-letter-routing-key': 'photo.shared' },
    });
    const taken = message(BODY);
    const share = message(BODY, { type: 'photo.shared', routingKey: 'photo.shared' });
    await deliver(taken, 'q');
    await deliver(share, 's');

    expect(handler).toHaveBeenCalledTimes(1);
    expect(shared).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledWith('', 's.retry', BODY, expect.objectContaining({ type: 'photo.shared', headers: { 'x-trace': 'kept', 'x-attempt': 2 } }));
    expect(await settledAs()).toEqual({ 'q processed': 1, 's retried': 1 });

    await transport.close();
    expect(channel.cancel.mock.calls).toEqual([['ctag-1'], ['ctag-2']]);
  });

  it('dead-letters a message whose handler returns reject, without retrying it', async () => {
    await consuming();
    handler.mockResolvedValueOnce('reject');
    const msg = message(BODY);

    await deliver(msg);

    expect(channel.nack).toHaveBeenCalledWith(msg, false, false);
    expect(channel.ack).not.toHaveBeenCalled();
    expect(publish).not.toHaveBeenCalled();
    expect(await settledAs()).toEqual({ 'q dead_lettered': 1 });
  });

  it('copies a message whose handler throws on attempt 1 to the retry queue with attempt 2 and the base delay, then acks it', async () => {
    await consuming();
    handler.mockRejectedValueOnce(new Error('EIO'));
    const msg = message(BODY);

    await deliver(msg);

    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledWith('', 'q.retry', BODY, {
      type: 'photo.taken',
      messageId: msg.properties.messageId,
      headers: { 'x-trace': 'kept', 'x-attempt': 2 },
      expiration: '100',
    });
    expect(channel.ack).toHaveBeenCalledWith(msg);
    expect(channel.nack).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ pattern: 'photo.taken' }), expect.stringContaining('retried'));
    expect(await settledAs()).toEqual({ 'q retried': 1 });
  });

  it('leaves the dead-letter headers of the broker off the retry copy', async () => {
    await consuming();
    handler.mockRejectedValueOnce(new Error('EIO'));
    const msg = message(BODY, { attempt: 2 });
    msg.properties.headers = { ...msg.properties.headers, 'x-death': [{ count: 1, queue: 'q.retry' }], 'x-first-death-queue': 'q.retry' } as unknown as typeof msg.properties.headers;

    await deliver(msg);

    expect(publish).toHaveBeenCalledWith('', 'q.retry', BODY, expect.objectContaining({ headers: { 'x-trace': 'kept', 'x-attempt': 3 } }));
  });

  it('doubles the delay on attempt 2', async () => {
    await consuming();
    handler.mockRejectedValueOnce(new Error('EIO'));
    const msg = message(BODY, { attempt: 2 });

    await deliver(msg);

    expect(handler.mock.calls[0]![1].attempt).toBe(2);
    expect(publish).toHaveBeenCalledWith(
      '',
      'q.retry',
      BODY,
      expect.objectContaining({ headers: { 'x-trace': 'kept', 'x-attempt': 3 }, expiration: '200' }),
    );
    expect(channel.ack).toHaveBeenCalledWith(msg);
  });

  it('keeps doubling the delay: attempt 3 of 5 waits four times the base', async () => {
    transport = build({ ...CONFIG, worker: { ...CONFIG.worker, maxAttempts: 5 } });
    await consuming();
    handler.mockRejectedValueOnce(new Error('EIO'));
    const msg = message(BODY, { attempt: 3 });

    await deliver(msg);

    expect(publish).toHaveBeenCalledWith('', 'q.retry', BODY, expect.objectContaining({ headers: { 'x-trace': 'kept', 'x-attempt': 4 }, expiration: '400' }));
  });

  it('defers without counting an attempt, even past the last one, with a growing delay capped at a minute', async () => {
    await consuming();
    handler.mockResolvedValueOnce('defer');
    const first = message(BODY, { attempt: 3 });
    await deliver(first);
    expect(publish).toHaveBeenLastCalledWith('', 'q.retry', BODY, expect.objectContaining({ headers: { 'x-trace': 'kept', 'x-attempt': 3, 'x-deferrals': 1 }, expiration: '100' }));
    expect(channel.ack).toHaveBeenCalledWith(first);
    expect(channel.nack).not.toHaveBeenCalled();

    handler.mockResolvedValueOnce('defer');
    const later = message(BODY, { attempt: 3 });
    later.properties.headers = { ...later.properties.headers, 'x-deferrals': 20 };
    await deliver(later);
    expect(publish).toHaveBeenLastCalledWith('', 'q.retry', BODY, expect.objectContaining({ headers: { 'x-trace': 'kept', 'x-attempt': 3, 'x-deferrals': 21 }, expiration: '60000' }));
    expect(await settledAs()).toEqual({ 'q deferred': 2 });
  });

  it('retries when the handler returns retry, as when it throws', async () => {
    await consuming();
    handler.mockResolvedValueOnce('retry');
    const msg = message(BODY);

    await deliver(msg);

    expect(publish).toHaveBeenCalledWith('', 'q.retry', BODY, expect.objectContaining({ expiration: '100' }));
    expect(channel.ack).toHaveBeenCalledWith(msg);
  });

  it('dead-letters a message whose handler throws on the last attempt', async () => {
    await consuming();
    handler.mockRejectedValueOnce(new Error('EIO'));
    const msg = message(BODY, { attempt: 3 });

    await deliver(msg);

    expect(handler.mock.calls[0]![1].isLastAttempt).toBe(true);
    expect(channel.nack).toHaveBeenCalledWith(msg, false, false);
    expect(channel.ack).not.toHaveBeenCalled();
    expect(publish).not.toHaveBeenCalled();
  });

  it.each([
    ['a missing header', undefined, 1],
    ['a non-numeric header', 'three', 1],
    ['a zero header', 0, 1],
  ])('counts %s as attempt 1', async (_label, header, expected) => {
    await consuming();
    const msg = message(BODY);
    (msg.properties.headers as Record<string, unknown>)['x-attempt'] = header;

    await deliver(msg);

    expect(handler.mock.calls[0]![1].attempt).toBe(expected);
  });

  it('dead-letters a body that is not JSON without calling the handler', async () => {
    await consuming();
    const msg = message(undefined, { raw: 'not json {' });

    await deliver(msg);

    expect(handler).not.toHaveBeenCalled();
    expect(channel.nack).toHaveBeenCalledWith(msg, false, false);
    expect(publish).not.toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledWith({ pattern: 'photo.taken' }, expect.stringContaining('not JSON'));
  });

  it('dead-letters a message whose type is not the event of its queue', async () => {
    await consuming();
    const msg = message(BODY, { type: 'photo.deleted' });

    await deliver(msg);

    expect(handler).not.toHaveBeenCalled();
    expect(channel.nack).toHaveBeenCalledWith(msg, false, false);
    expect(publish).not.toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledWith({ pattern: 'photo.taken', type: 'photo.deleted' }, expect.stringContaining('arrived on the queue of "photo.taken"'));
  });

  it('requeues the message when the retry cannot be published', async () => {
    await consuming();
    handler.mockRejectedValueOnce(new Error('EIO'));
    publish.mockRejectedValueOnce(new Error('RabbitMQ is not connected'));
    const msg = message(BODY);

    await deliver(msg);

    expect(publish).toHaveBeenCalledTimes(1);
    expect(channel.nack).toHaveBeenCalledWith(msg, false, true);
    expect(channel.ack).not.toHaveBeenCalled();
    expect(await settledAs()).toEqual({ 'q redelivered': 1 });
  });

  it('does not throw when the channel is gone as it settles', async () => {
    await consuming();
    channel.ack.mockImplementationOnce(() => {
      throw new Error('Channel closed');
    });
    channel.nack.mockImplementationOnce(() => {
      throw new Error('Channel closed');
    });
    const msg = message(BODY);

    channel.deliver(msg);
    await until(() => channel.nack.mock.calls.length > 0, 'the requeue attempt');

    expect(channel.nack).toHaveBeenCalledWith(msg, false, true);
    await expect(transport.close()).resolves.toBeUndefined();
  });

  it('ignores the null delivery of a broker-side cancel', async () => {
    await consuming();

    channel.deliver(null);
    await transport.close();

    expect(handler).not.toHaveBeenCalled();
    expect(channel.ack).not.toHaveBeenCalled();
    expect(channel.nack).not.toHaveBeenCalled();
  });

  it('consumes again on the channel of a reconnect after the old one closed', async () => {
    await consuming();

    channel.emit('close');
    expect(transport.consuming).toBe(false);
    const reopened = new FakeChannel();
    await connect(reopened);

    expect(transport.consuming).toBe(true);
    expect(reopened.prefetch).toHaveBeenCalledWith(2);
    expect(reopened.consume).toHaveBeenCalledWith('q', expect.any(Function), { noAck: false });
    const msg = message(BODY);
    reopened.deliver(msg);
    await until(() => reopened.settled(msg));
    expect(reopened.ack).toHaveBeenCalledWith(msg);
  });

  /** A consuming transport with one delivered message whose handler is still at work until `finish()`. */
  async function jobInHand(): Promise<{ msg: ConsumeMessage; finish: () => void }> {
    await consuming();
    let finish!: () => void;
    handler.mockImplementationOnce(() => new Promise<unknown>((resolve) => (finish = () => resolve('done'))));
    const msg = message(BODY);
    channel.deliver(msg);
    await until(() => handler.mock.calls.length === 1, 'the handler call');
    return { msg, finish };
  }

  it('drains at beforeApplicationShutdown (before Nest closes the HTTP port), keeping the channel open until close', async () => {
    const { msg, finish } = await jobInHand();

    const draining = transport.beforeApplicationShutdown();
    await until(() => channel.cancel.mock.calls.length === 1, 'the cancel');
    expect(log.info).toHaveBeenCalledWith({ inFlight: 1 }, 'stopped consuming; finishing the jobs in hand');
    finish();
    await draining;
    expect(channel.ack).toHaveBeenCalledWith(msg);
    expect(channel.close).not.toHaveBeenCalled();

    await transport.close();
    expect(channel.cancel).toHaveBeenCalledTimes(1); // drained once, not twice
    expect(channel.close).toHaveBeenCalledTimes(1);
  });

  it('on close cancels the consumer, lets the job in progress finish and ack, then closes the channel', async () => {
    const { msg, finish } = await jobInHand();

    let closed = false;
    const closing = transport.close().then(() => {
      closed = true;
    });
    await until(() => channel.cancel.mock.calls.length === 1, 'the cancel');
    expect(channel.cancel).toHaveBeenCalledWith('ctag-1');
    for (let turn = 0; turn < 10; turn++) await new Promise(setImmediate);
    expect(closed).toBe(false);
    expect(channel.close).not.toHaveBeenCalled();

    finish();
    await closing;

    expect(channel.ack).toHaveBeenCalledWith(msg);
    expect(channel.close).toHaveBeenCalledTimes(1);
    expect(channel.ack.mock.invocationCallOrder[0]!).toBeLessThan(channel.close.mock.invocationCallOrder[0]!);
    expect(transport.consuming).toBe(false);
  });
});

import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '@darkroom/config';
import type { LiveNotificationV1 } from '@darkroom/contracts';
import { LiveNotificationSubscriber, type LiveSubscribeConnection } from './live-notification-subscriber';

const config = { redis: { prefix: 'dr-spec' } } as AppConfig;
const ANN = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const BEN = '9a8b7c6d-5e4f-4d3c-8b2a-1f0e9d8c7b6a';
const channelOf = (userId: string) => `dr-spec:live:user:${userId}`;

function notification(id = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f'): LiveNotificationV1 {
  return { id, kind: 'upload.processed', uploadId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', actor: { handle: 'ada_l' }, createdAt: '2025-03-14T12:00:00.250Z', readAt: null };
}

/** A subscriber connection that records commands in order and answers each when the spec says so. */
class FakeConnection extends EventEmitter implements LiveSubscribeConnection {
  readonly commands: string[] = [];
  private readonly answers: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  subscribe = (channel: string) => this.command(`SUBSCRIBE ${channel}`);
  unsubscribe = (channel: string) => this.command(`UNSUBSCRIBE ${channel}`);
  ping = () => this.command('PING');
  quit = jest.fn(async () => 'OK');

  /** Redis answers the oldest pending command. */
  answer(error?: Error): void {
    const next = this.answers.shift()!;
    if (error) next.reject(error);
    else next.resolve();
  }

  answerAll(): void {
    while (this.answers.length) this.answer();
  }

  private command(text: string): Promise<unknown> {
    this.commands.push(text);
    return new Promise<void>((resolve, reject) => this.answers.push({ resolve, reject }));
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveNotificationSubscriber', () => {
  let redis: FakeConnection;
  let subscriber: LiveNotificationSubscriber;
  let warned: jest.SpyInstance;

  beforeEach(() => {
    warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    redis = new FakeConnection();
    subscriber = new LiveNotificationSubscriber(config, redis);
  });

  afterEach(() => jest.restoreAllMocks());

  it('resolves listen() only once Redis has confirmed the subscription', async () => {
    let listening = false;
    const pending = subscriber.listen(ANN, () => undefined).then(() => (listening = true));
    await flush();
    expect(redis.commands).toEqual([`SUBSCRIBE ${channelOf(ANN)}`]);
    expect(listening).toBe(false);
    redis.answer();
    await pending;
    expect(listening).toBe(true);
  });

  it('subscribes once per user however many listen, and unsubscribes when the last one stops', async () => {
    const first = subscriber.listen(ANN, () => undefined);
    const second = subscriber.listen(ANN, () => undefined);
    redis.answerAll();
    const [stopFirst, stopSecond] = await Promise.all([first, second]);
    expect(redis.commands).toEqual([`SUBSCRIBE ${channelOf(ANN)}`]);
    expect(subscriber.channelCount).toBe(1);

    stopFirst();
    stopFirst(); // twice is once
    expect(redis.commands).toHaveLength(1);
    stopSecond();
    expect(redis.commands).toEqual([`SUBSCRIBE ${channelOf(ANN)}`, `UNSUBSCRIBE ${channelOf(ANN)}`]);
    expect(subscriber.channelCount).toBe(0);
  });

  it('ends subscribed when a user comes back while the UNSUBSCRIBE is still on its way', async () => {
    const pending = subscriber.listen(ANN, () => undefined);
    redis.answer();
    (await pending)();
    const again = subscriber.listen(ANN, () => undefined);
    redis.answerAll();
    await again;
    // In call order on one connection: Redis ends in the state of the last command.
    expect(redis.commands).toEqual([`SUBSCRIBE ${channelOf(ANN)}`, `UNSUBSCRIBE ${channelOf(ANN)}`, `SUBSCRIBE ${channelOf(ANN)}`]);
    expect(subscriber.channelCount).toBe(1);
  });

  it('hands each message to the listeners of its user only, parsed and checked against the contract', async () => {
    const anns: LiveNotificationV1[] = [];
    const bens: LiveNotificationV1[] = [];
    const listening = Promise.all([subscriber.listen(ANN, (n) => anns.push(n)), subscriber.listen(BEN, (n) => bens.push(n))]);
    redis.answerAll();
    await listening;

    redis.emit('message', channelOf(ANN), JSON.stringify({ ...notification(), extra: 'dropped by the contract' }));
    redis.emit('message', channelOf(ANN), '{not json');
    redis.emit('message', channelOf(ANN), JSON.stringify({ ...notification(), kind: 'upload.deleted' }));
    redis.emit('message', channelOf('someone-else'), JSON.stringify(notification()));

    expect(anns).toEqual([notification()]);
    expect(bens).toEqual([]);
    expect(warned).toHaveBeenCalledTimes(2);
  });

  it('keeps delivering to the other listeners when one throws', async () => {
    const received: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const listening = Promise.all([
      subscriber.listen(ANN, () => {
        throw new Error('listener bug');
      }),
      subscriber.listen(ANN, (n) => received.push(n.id)),
    ]);
    redis.answerAll();
    await listening;
    redis.emit('message', channelOf(ANN), JSON.stringify(notification()));
    expect(received).toEqual([notification().id]);
  });

  it('rejects listen() and forgets the listener when SUBSCRIBE fails', async () => {
    const pending = subscriber.listen(ANN, () => undefined);
    redis.answer(new Error('NOPERM'));
    await expect(pending).rejects.toThrow('NOPERM');
    expect(subscriber.channelCount).toBe(0);
  });

  it('tells its listeners, once the resubscriptions are confirmed after a reconnect, when the connection was lost', async () => {
    const lost: number[] = [];
    subscriber.onResubscribed((at) => lost.push(at));
    redis.emit('ready'); // the first connect is no reconnect
    await flush();
    expect(redis.commands).toEqual([]);

    const before = Date.now();
    redis.emit('close');
    redis.emit('close'); // each failed attempt closes again; the first one counts
    redis.emit('ready');
    expect(redis.commands).toEqual(['PING']); // answered after ioredis' own re-SUBSCRIBEs
    expect(lost).toEqual([]);
    redis.answer();
    await flush();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeGreaterThanOrEqual(before);
    expect(lost[0]).toBeLessThanOrEqual(Date.now());
  });
});

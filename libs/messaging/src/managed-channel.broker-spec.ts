import { Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { type BrokerSpec, brokerSpec, until } from './broker.spec-support';
import { ManagedChannel } from './managed-channel';
import { RabbitConnection } from './rabbit-connection';

describe('ManagedChannel against the real broker', () => {
  let broker: BrokerSpec;
  let connection: RabbitConnection;
  let managed: ManagedChannel<Channel>;
  let queue: string;
  /** The channels `prepare` ran on, in order. */
  const prepared: Channel[] = [];
  /** How many of the next prepares fail. */
  let failingPrepares = 0;
  /** The channels a failing prepare was given. */
  const failedOn: Channel[] = [];
  const closedChannels = new Set<Channel>();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    broker = await brokerSpec('managed-channel');
    queue = `spec.managed.${broker.suffix}`;
    broker.extraQueues.push(queue);
    connection = new RabbitConnection(broker.config);
    managed = new ManagedChannel(
      connection,
      'spec',
      async (model) => {
        const channel = await model.createChannel();
        channel.once('close', () => closedChannels.add(channel));
        return channel;
      },
      async (channel) => {
        if (failingPrepares > 0) {
          failingPrepares--;
          failedOn.push(channel);
          throw new Error('the topology could not be declared');
        }
        await channel.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 10 } });
        prepared.push(channel);
      },
      broker.config.connectBackoffMaxMs,
    );
    await connection.start();
  });
  afterAll(async () => {
    await managed.close();
    await connection.onApplicationShutdown();
    await broker.cleanUp();
  });

  it('opens a channel once connected and runs prepare on it', () => {
    expect(managed.current).toBeDefined();
    expect(prepared).toEqual([managed.current]);
  });

  it.each<[string, (channel: Channel) => Promise<unknown>]>([
    // 404 NOT_FOUND: the broker closes the channel, the connection stays up.
    ['asking for a queue that does not exist', (channel) => channel.checkQueue(`spec.absent.${broker.suffix}`)],
    // 406 PRECONDITION_FAILED: the same queue declared with other arguments.
    ['declaring the queue with conflicting arguments', (channel) => channel.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 99 } })],
  ])('reopens a fresh, prepared channel after the broker closes it for %s', async (_case, channelError) => {
    const before = managed.current!;
    const preparedBefore = prepared.length;

    await expect(channelError(before)).rejects.toThrow();
    await until(() => managed.current !== undefined && managed.current !== before, 'a new channel');

    expect(prepared).toHaveLength(preparedBefore + 1);
    expect(prepared.at(-1)).toBe(managed.current);
    await expect(managed.current!.checkQueue(queue)).resolves.toMatchObject({ queue });
  });

  it('keeps trying when prepare fails on the reopened channel, with backoff, until it succeeds; the failed channel is closed', async () => {
    const before = managed.current!;
    const preparedBefore = prepared.length;
    failingPrepares = 1;

    await expect(before.checkQueue(`spec.absent.${broker.suffix}`)).rejects.toThrow();
    await until(() => managed.current !== undefined && managed.current !== before, 'a new channel after a failed prepare');

    expect(failingPrepares).toBe(0);
    expect(failedOn).toHaveLength(1);
    // A prepare that fails without a channel error must not leave its channel open on the connection.
    await until(() => closedChannels.has(failedOn[0]!), 'the channel whose prepare failed to be closed');
    expect(prepared).toHaveLength(preparedBefore + 1);
    expect(prepared.at(-1)).toBe(managed.current);
  });
});

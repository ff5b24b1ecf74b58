import type { ChannelModel } from 'amqplib';
import { QueueInspector } from './queue-inspector';
import type { ConnectionSetup, RabbitConnection } from './rabbit-connection';

/** A channel as far as the inspector uses it: the broker closes it when a queue is missing (404). */
class FakeChannel {
  closed = false;
  constructor(private readonly queues: Record<string, number>) {}
  on = jest.fn();
  checkQueue = jest.fn(async (queue: string) => {
    if (this.closed) throw new Error('Channel closed');
    if (!(queue in this.queues)) {
      this.closed = true;
      throw new Error(`Channel closed by server: 404 (NOT-FOUND) - no queue '${queue}'`);
    }
    return { queue, messageCount: this.queues[queue]!, consumerCount: 0 };
  });
  close = jest.fn(async () => {
    if (this.closed) throw new Error('Channel closed');
    this.closed = true;
  });
}

describe('QueueInspector', () => {
  let setup: ConnectionSetup;
  let channels: FakeChannel[];
  let inspector: QueueInspector;
  const queues = { 'images.process': 3, 'images.dead': 1 };

  beforeEach(() => {
    channels = [];
    inspector = new QueueInspector({ onConnect: (s: ConnectionSetup) => (setup = s) } as unknown as RabbitConnection);
  });

  const connect = () =>
    setup({
      createChannel: async () => {
        const channel = new FakeChannel(queues);
        channels.push(channel);
        return channel;
      },
    } as unknown as ChannelModel);

  it('rejects while RabbitMQ has never been reached', async () => {
    await expect(inspector.messageCounts(['images.process'])).rejects.toThrow('not connected');
  });

  it('counts every queue on one channel and closes it', async () => {
    await connect();
    await expect(inspector.messageCounts(['images.process', 'images.dead'])).resolves.toEqual([3, 1]);
    expect(channels).toHaveLength(1);
    expect(channels[0]!.close).toHaveBeenCalledTimes(1);
  });

  it('reports a missing queue as undefined and counts the next one on a fresh channel', async () => {
    await connect();
    await expect(inspector.messageCounts(['images.process', 'images.retry', 'images.dead'])).resolves.toEqual([3, undefined, 1]);
    expect(channels).toHaveLength(2);
    expect(channels.every((c) => c.closed)).toBe(true);
  });
});

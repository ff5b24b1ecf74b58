import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { AppConfig } from '@darkroom/config';
import { ManagedChannel } from './managed-channel';
import { RabbitConnection } from './rabbit-connection';

/**
 * Asks RabbitMQ how many messages wait in a queue, on a channel of its own:
 * a failed check (a queue deleted under us closes the channel it is asked on)
 * costs only this channel, never the consumer's and the jobs in hand.
 */
@Injectable()
export class QueueInspector implements OnApplicationShutdown {
  private readonly channel: ManagedChannel<Channel>;

  constructor(connection: RabbitConnection, config: AppConfig) {
    this.channel = new ManagedChannel(connection, 'inspector', (model) => model.createChannel(), async () => undefined, config.connectBackoffMaxMs);
  }

  /** Ready messages in `queue`; undefined while no channel is open. */
  async messageCount(queue: string): Promise<number | undefined> {
    const channel = this.channel.current;
    return channel ? (await channel.checkQueue(queue)).messageCount : undefined;
  }

  onApplicationShutdown(): Promise<void> {
    return this.channel.close();
  }
}

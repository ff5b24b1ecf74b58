import { Injectable } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import { RabbitConnection } from './rabbit-connection';

/**
 * Asks RabbitMQ how many messages wait in queues, on a short-lived channel
 * of its own. Checking a queue that is gone closes the channel it is asked
 * on: here that costs a fresh channel for the next queue, never the
 * consumer's channel and the jobs in hand, and it logs nothing (a missing
 * queue simply has no figure).
 */
@Injectable()
export class QueueInspector {
  private model?: ChannelModel;

  constructor(connection: RabbitConnection) {
    connection.onConnect(async (model) => {
      this.model = model;
    });
  }

  /** Ready messages per queue; undefined for a queue that does not exist. Rejects while RabbitMQ is unreachable. */
  async messageCounts(queues: string[]): Promise<Array<number | undefined>> {
    const model = this.model;
    if (!model) throw new Error('not connected to RabbitMQ');
    const counts: Array<number | undefined> = [];
    let channel: Channel | undefined;
    try {
      for (const queue of queues) {
        channel ??= await this.open(model);
        try {
          counts.push((await channel.checkQueue(queue)).messageCount);
        } catch {
          counts.push(undefined);
          channel = undefined; // closed by the broker (404): the next queue gets a new one
        }
      }
    } finally {
      await channel?.close().catch(() => undefined);
    }
    return counts;
  }

  private async open(model: ChannelModel): Promise<Channel> {
    const channel = await model.createChannel();
    channel.on('error', () => undefined); // a 404 arrives as a channel error too; the check itself reports it
    return channel;
  }
}

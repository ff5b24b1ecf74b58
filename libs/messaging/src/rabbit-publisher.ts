import { Injectable } from '@nestjs/common';
import type { ConfirmChannel, Options } from 'amqplib';
import { AppConfig } from '@darkroom/config';
import { declareImagesTopology } from './images-topology';
import { RabbitConnection } from './rabbit-connection';

export class BrokerUnavailableError extends Error {
  constructor() {
    super('RabbitMQ is not connected');
  }
}

/** Publishes persistent JSON with publisher confirms: a resolved publish() is on the broker's disk. */
@Injectable()
export class RabbitPublisher {
  private channel?: ConfirmChannel;

  constructor(
    connection: RabbitConnection,
    private readonly config: AppConfig,
  ) {
    connection.onConnect(async (model) => {
      const channel = await model.createConfirmChannel();
      channel.on('close', () => {
        if (this.channel === channel) this.channel = undefined;
      });
      channel.on('error', () => undefined); // the connection logs it; the close handler above cleans up
      await declareImagesTopology(channel, this.config.rabbit);
      this.channel = channel;
    });
  }

  get ready(): boolean {
    return this.channel !== undefined;
  }

  /** To an exchange with a routing key ('' and a queue name publish straight to that queue). */
  publish(exchange: string, routingKey: string, payload: object, options: Options.Publish = {}): Promise<void> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new BrokerUnavailableError());
    return new Promise((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify(payload)),
        { persistent: true, contentType: 'application/json', timestamp: Math.floor(Date.now() / 1000), ...options },
        (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
      );
    });
  }
}

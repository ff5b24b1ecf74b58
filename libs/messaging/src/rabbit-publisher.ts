import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import { AppConfig } from '@darkroom/config';
import { ManagedChannel } from './managed-channel';
import { RabbitConnection } from './rabbit-connection';
import { declareRabbitTopology } from './rabbit-topology';

export class BrokerUnavailableError extends Error {
  constructor() {
    super('RabbitMQ is not connected');
  }
}

/** The broker took the message but no queue was bound to take it: it would have been dropped. */
export class UnroutableMessageError extends Error {
  constructor(exchange: string, routingKey: string) {
    super(`no queue is bound to exchange "${exchange}" with routing key "${routingKey}"; the message was returned`);
  }
}

const PUBLISH_ID = 'x-publish-id';

/** Publishes persistent JSON with publisher confirms: a resolved publish() is on the broker's disk. */
@Injectable()
export class RabbitPublisher {
  private readonly channel: ManagedChannel<ConfirmChannel>;
  /** Ids of mandatory messages the broker returned; it sends basic.return before the confirm. */
  private readonly returned = new Set<string>();

  constructor(connection: RabbitConnection, config: AppConfig) {
    this.channel = new ManagedChannel(
      connection,
      'publisher',
      async (model) => {
        const channel = await model.createConfirmChannel();
        channel.on('return', (message: Message) => {
          const id = message.properties.headers?.[PUBLISH_ID];
          if (typeof id === 'string') this.returned.add(id);
        });
        return channel;
      },
      (channel) => declareRabbitTopology(channel, config.rabbit),
      config.connectBackoffMaxMs,
    );
  }

  get ready(): boolean {
    return this.channel.current !== undefined;
  }

  /**
   * To an exchange with a routing key ('' and a queue name publish straight to
   * that queue). Resolves once the broker confirms; rejects when it refuses the
   * message or no queue would take it (mandatory), so the caller keeps it.
   */
  publish(exchange: string, routingKey: string, payload: object, options: Options.Publish = {}): Promise<void> {
    const channel = this.channel.current;
    if (!channel) return Promise.reject(new BrokerUnavailableError());
    const publishId = randomUUID();
    const headers = { ...options.headers, [PUBLISH_ID]: publishId };
    return new Promise((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify(payload)),
        { persistent: true, contentType: 'application/json', timestamp: Math.floor(Date.now() / 1000), ...options, headers, mandatory: true },
        (error: unknown) => {
          const wasReturned = this.returned.delete(publishId);
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else if (wasReturned) reject(new UnroutableMessageError(exchange, routingKey));
          else resolve();
        },
      );
    });
  }
}

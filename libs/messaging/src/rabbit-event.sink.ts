import { Injectable } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { RABBIT_EVENTS, type RabbitEvent } from '@darkroom/contracts';
import { OutboxRow } from '@darkroom/database';
import { OutboxSink } from './outbox-relay';
import { RabbitPublisher } from './rabbit-publisher';

/**
 * The api's outbox sink for the RabbitMQ events of libs/contracts: a row of topic `pattern` becomes a
 * persistent message to the exchange with that routing key and `type`, and the ids its contract names.
 */
@Injectable()
export class RabbitEventSink implements OutboxSink {
  private readonly events = new Map<string, RabbitEvent>(RABBIT_EVENTS.map((event) => [event.pattern, event]));
  readonly topics = [...this.events.keys()];

  constructor(
    private readonly publisher: RabbitPublisher,
    private readonly config: AppConfig,
  ) {}

  publish(row: OutboxRow): Promise<void> {
    const event = this.events.get(row.topic);
    // The relay asks only for `topics`: another topic here is a bug in the relay, not a message to send.
    if (!event) return Promise.reject(new Error(`outbox row ${row.id} has topic "${row.topic}", which is not a RabbitMQ event`));
    return this.publisher.publish(this.config.rabbit.exchange, event.pattern, row.payload, {
      messageId: event.messageId(row.payload),
      correlationId: event.correlationId(row.payload),
      type: event.pattern,
    });
  }
}

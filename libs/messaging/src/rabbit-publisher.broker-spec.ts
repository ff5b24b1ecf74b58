import { Logger } from '@nestjs/common';
import { IMAGE_UPLOADED } from '@darkroom/contracts';
import { type BrokerSpec, brokerSpec, until } from './broker.spec-support';
import { RabbitConnection } from './rabbit-connection';
import { BrokerUnavailableError, RabbitPublisher, UnroutableMessageError } from './rabbit-publisher';

describe('RabbitPublisher against the real broker', () => {
  let broker: BrokerSpec;
  let connection: RabbitConnection;
  let publisher: RabbitPublisher;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    broker = await brokerSpec('publisher');
    connection = new RabbitConnection(broker.config);
    publisher = new RabbitPublisher(connection, broker.config);
    await connection.start();
  });
  afterAll(async () => {
    await connection.onApplicationShutdown();
    await broker.cleanUp();
  });

  /** The next message on `queue`, read over the spec's own connection. */
  async function take(queue: string) {
    const channel = await broker.admin.createChannel();
    try {
      const message = await channel.get(queue, { noAck: true });
      return message || undefined;
    } finally {
      await channel.close();
    }
  }

  it('is ready once connected, with the images topology declared', async () => {
    expect(publisher.ready).toBe(true);
    const channel = await broker.admin.createChannel();
    await expect(channel.checkQueue(broker.config.rabbit.queues.images.queue)).resolves.toMatchObject({ messageCount: 0 });
    await channel.close();
  });

  it('resolves once the broker has the message: persistent JSON on the bound queue', async () => {
    await publisher.publish(broker.config.rabbit.exchange, IMAGE_UPLOADED, { uploadId: 'u-1' }, { messageId: 'm-1', headers: { 'x-trace': 't' } });

    const message = await take(broker.config.rabbit.queues.images.queue);
    expect(message).toBeDefined();
    expect(JSON.parse(message!.content.toString())).toEqual({ uploadId: 'u-1' });
    expect(message!.properties).toMatchObject({ messageId: 'm-1', contentType: 'application/json', deliveryMode: 2, headers: expect.objectContaining({ 'x-trace': 't' }) });
  });

  it('rejects when the broker refuses the message (nack), so the caller keeps it', async () => {
    // A queue that takes nothing: the broker answers every publish to it with basic.nack.
    const full = `spec.full.${broker.suffix}`;
    broker.extraQueues.push(full);
    const channel = await broker.admin.createChannel();
    await channel.assertQueue(full, { arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
    await channel.close();

    await expect(publisher.publish('', full, { uploadId: 'u-2' })).rejects.toThrow('message nacked');
  });

  it('rejects a message no queue takes with UnroutableMessageError, then publishes routable ones again', async () => {
    const unroutable = publisher.publish(broker.config.rabbit.exchange, 'nobody.is.bound', { uploadId: 'u-3' });
    await expect(unroutable).rejects.toBeInstanceOf(UnroutableMessageError);
    await expect(unroutable).rejects.toThrow(`no queue is bound to exchange "${broker.config.rabbit.exchange}" with routing key "nobody.is.bound"; the message was returned`);

    await expect(publisher.publish(broker.config.rabbit.exchange, IMAGE_UPLOADED, { uploadId: 'u-4' })).resolves.toBeUndefined();
    expect(JSON.parse((await take(broker.config.rabbit.queues.images.queue))!.content.toString())).toEqual({ uploadId: 'u-4' });
  });

  it('survives a channel error: that publish rejects, and the publisher comes back on a new channel', async () => {
    // Publishing to an exchange that does not exist is a channel error (404): the broker closes the channel.
    await expect(publisher.publish(`spec.missing.${broker.suffix}`, IMAGE_UPLOADED, { uploadId: 'u-5' })).rejects.toThrow();
    await until(() => publisher.ready, 'the publisher channel to be reopened');

    await expect(publisher.publish(broker.config.rabbit.exchange, IMAGE_UPLOADED, { uploadId: 'u-6' })).resolves.toBeUndefined();
    expect(JSON.parse((await take(broker.config.rabbit.queues.images.queue))!.content.toString())).toEqual({ uploadId: 'u-6' });
  });
});

describe('RabbitPublisher without a broker connection', () => {
  let broker: BrokerSpec;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    broker = await brokerSpec('publisher-down');
  });
  afterAll(() => broker.cleanUp());

  it('rejects with BrokerUnavailableError before it ever connected', async () => {
    const publisher = new RabbitPublisher(new RabbitConnection(broker.config), broker.config);

    expect(publisher.ready).toBe(false);
    await expect(publisher.publish(broker.config.rabbit.exchange, IMAGE_UPLOADED, {})).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('rejects with BrokerUnavailableError once the connection is gone', async () => {
    const connection = new RabbitConnection(broker.config);
    const publisher = new RabbitPublisher(connection, broker.config);
    await connection.start();
    await expect(publisher.publish(broker.config.rabbit.exchange, IMAGE_UPLOADED, {})).resolves.toBeUndefined();

    await connection.onApplicationShutdown();
    await until(() => !publisher.ready, 'the publisher to notice the closed connection');

    await expect(publisher.publish(broker.config.rabbit.exchange, IMAGE_UPLOADED, {})).rejects.toBeInstanceOf(BrokerUnavailableError);
  });
});

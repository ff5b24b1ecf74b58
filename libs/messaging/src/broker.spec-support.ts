import { randomBytes } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import { AppConfig, parseEnv, toAppConfig } from '@darkroom/config';

/**
 * For the specs that run against the real RabbitMQ (RABBITMQ_URL, default 127.0.0.1:5672):
 * an AppConfig whose exchange and queues carry a random suffix, so runs never meet, and an
 * admin connection of the spec's own to look at the broker and to delete those names afterwards.
 */
export interface BrokerSpec {
  config: AppConfig;
  suffix: string;
  /** A connection of the spec's own (not the code under test's). */
  admin: ChannelModel;
  /** Queue names the spec declared besides the config's; deleted by cleanUp. */
  extraQueues: string[];
  cleanUp(): Promise<void>;
}

export async function brokerSpec(what: string): Promise<BrokerSpec> {
  const suffix = `${what}.${randomBytes(4).toString('hex')}`;
  const config = toAppConfig(
    parseEnv({
      // eslint-disable-next-line no-restricted-properties -- the spec runs against whatever broker the test run has
      RABBITMQ_URL: process.env.RABBITMQ_URL,
      INSTANCE_NAME: `spec-${suffix}`,
      IMAGES_EXCHANGE: `spec.images.${suffix}`,
      IMAGES_QUEUE: `spec.images.process.${suffix}`,
      IMAGES_RETRY_QUEUE: `spec.images.retry.${suffix}`,
      IMAGES_DEAD_QUEUE: `spec.images.dead.${suffix}`,
      CONNECT_BACKOFF_MAX_MS: '1000',
    }),
  );
  const admin = await connect(config.rabbit.url);
  const extraQueues: string[] = [];
  return {
    config,
    suffix,
    admin,
    extraQueues,
    async cleanUp() {
      const channel = await admin.createChannel();
      for (const queue of [...Object.values(config.rabbit.queues.images), ...extraQueues]) await channel.deleteQueue(queue);
      await channel.deleteExchange(config.rabbit.exchange);
      await admin.close();
    },
  };
}

/** Waits for `condition`, checking every 10 ms; fails naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

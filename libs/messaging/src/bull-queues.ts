import { Logger } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { DefaultJobOptions, RedisOptions } from 'bullmq';
import { AppConfig, loadConfig } from '@darkroom/config';

/**
 * BullMQ queue names are settings, but Nest's @Processor / @InjectQueue / registerQueue need them when a
 * module file loads. They are read from the validated config then; each main.ts loads the config before
 * it imports its module, so a bad value still stops boot with the message naming it.
 */
export const bullQueueNames = () => ({ notifications: loadConfig().redis.notificationsQueue, fanOut: loadConfig().redis.fanOutQueue });

/** Injection token of the FlowProducer that adds one fan-out parent with a child per page of followers. */
export const FAN_OUT_FLOW = 'darkroom-fan-out';

// 12 attempts, 1 s doubling: the last is ~68 min after the first, so a notifier whose database is down for an
// hour still records every notification. Completed jobs are kept a day, so that a replayed outbox row (or a retried
// fan-out plan) finds its jobId and adds nothing.
export const DURABLE_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Connection options rather than a client: BullMQ then opens (a blocking one for each worker), names and
 * closes its own connections. Reconnects forever with capped backoff, logging each attempt.
 */
export function bullConnection(config: AppConfig, role: string): RedisOptions {
  const logger = new Logger(`Redis:${role}`);
  return {
    url: config.redis.url,
    connectionName: `${config.redis.prefix}:${config.instance}:${role}`,
    maxRetriesPerRequest: null, // BullMQ's blocking commands must wait out an outage, not fail
    retryStrategy: (attempt: number) => {
      const delay = Math.min(250 * 2 ** (attempt - 1), config.connectBackoffMaxMs);
      logger.warn(`not connected; reconnect attempt ${attempt} in ${delay} ms`);
      return delay;
    },
  };
}

/** BullMQ's shared settings: every queue, worker and flow producer of the process uses REDIS_URL and REDIS_PREFIX. */
export function bullRootModule(role: string) {
  return BullModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({ connection: bullConnection(config, role), prefix: config.redis.prefix }),
  });
}

/** The notifications queue (worker → notifier): upload events with deterministic job ids. */
export function notificationsQueueModule() {
  return BullModule.registerQueue({ name: bullQueueNames().notifications, defaultJobOptions: DURABLE_JOB_OPTIONS });
}

import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * An ioredis client that reconnects forever with capped exponential backoff
 * and logs every attempt. BullMQ needs `maxRetriesPerRequest: null` on
 * connections that block (workers); producers fail fast instead.
 */
export function createRedis(url: string, role: string, options: { maxDelayMs: number; blocking: boolean }): Redis {
  const logger = new Logger(`Redis:${role}`);
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.blocking ? null : 3,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => {
      const delay = Math.min(250 * 2 ** (attempt - 1), options.maxDelayMs);
      logger.warn(`connection attempt ${attempt} failed; retrying in ${delay} ms`);
      return delay;
    },
  });
  let wasReady = false;
  redis.on('ready', () => {
    logger.log(wasReady ? 'reconnected' : 'connected');
    wasReady = true;
  });
  redis.on('error', (error: Error) => logger.debug?.(`redis error: ${error.message}`));
  return redis;
}

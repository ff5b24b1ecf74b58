import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';

/**
 * An ioredis client that reconnects forever with capped exponential backoff
 * and logs every attempt. BullMQ needs `maxRetriesPerRequest: null` on
 * connections that block (workers); producers fail fast instead.
 */
export function createRedis(config: AppConfig, role: string, options: { blocking: boolean }): Redis {
  const logger = new Logger(`Redis:${role}`);
  const redis = new Redis(config.redis.url, {
    // `CLIENT LIST` shows which deployment (prefix), process and role a connection belongs to.
    connectionName: `${config.redis.prefix}:${config.instance}:${role}`,
    maxRetriesPerRequest: options.blocking ? null : 3,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => {
      const delay = Math.min(250 * 2 ** (attempt - 1), config.connectBackoffMaxMs);
      logger.warn(`not connected; reconnect attempt ${attempt} in ${delay} ms`);
      return delay;
    },
  });
  let wasReady = false;
  redis.on('ready', () => {
    logger.log(wasReady ? 'reconnected' : 'connected');
    wasReady = true;
  });
  // The reason of a failed attempt (ECONNREFUSED, reset); the retry itself is logged above.
  redis.on('error', (error: Error) => logger.warn(`connection error: ${error.message}`));
  return redis;
}

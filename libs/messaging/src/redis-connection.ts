import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';

/**
 * An ioredis client that reconnects forever with capped exponential backoff
 * and logs every attempt. BullMQ needs `maxRetriesPerRequest: null` on
 * connections that block (workers); producers fail fast instead. `failFast`
 * is for a caller that would rather go without Redis than wait for it (the
 * rate limiter): no offline queue, no retries, and a command that takes longer
 * than `commandTimeoutMs` fails.
 */
export function createRedis(config: AppConfig, role: string, options: { blocking: boolean; failFast?: { commandTimeoutMs: number } }): Redis {
  const logger = new Logger(`Redis:${role}`);
  const redis = new Redis(config.redis.url, {
    // `CLIENT LIST` shows which deployment (prefix), process and role a connection belongs to.
    connectionName: `${config.redis.prefix}:${config.instance}:${role}`,
    maxRetriesPerRequest: options.blocking ? null : options.failFast ? 0 : 3,
    enableOfflineQueue: !options.failFast,
    ...(options.failFast ? { commandTimeout: options.failFast.commandTimeoutMs } : {}),
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

import { isAbsolute, resolve } from 'node:path';
import { ConfigError, parseEnv, parseTrustProxy, toAppConfig } from './app-config';

function configErrorOf(raw: Record<string, string | undefined>): ConfigError {
  try {
    parseEnv(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parseEnv accepted an environment it should have refused');
}

describe('parseEnv', () => {
  it('applies the defaults to an empty environment', () => {
    const env = parseEnv({});

    expect(env.API_PORT).toBe(3000);
    expect(env.WORKER_CONCURRENCY).toBe(2);
    expect(env.JOB_MAX_ATTEMPTS).toBe(3);
    expect(env.RABBITMQ_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(env.IMAGES_QUEUE).toBe('images.process');
    expect(env.STORAGE_DIR).toBe('./data');
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.MAX_INPUT_PIXELS).toBe(100_000_000);
    expect(env.INSTANCE_NAME).toBeUndefined();
  });

  it('treats empty strings as unset, so the defaults apply', () => {
    const env = parseEnv({ API_PORT: '', RABBITMQ_URL: '', URL_SIGNING_SECRET: '', INSTANCE_NAME: '', LOG_LEVEL: '' });

    expect(env.API_PORT).toBe(3000);
    expect(env.RABBITMQ_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(env.URL_SIGNING_SECRET).toBe('dev-only-url-signing-secret-change-me');
    expect(env.INSTANCE_NAME).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('info');
  });

  it('coerces numeric strings and keeps given values', () => {
    const env = parseEnv({ API_PORT: '8080', WORKER_CONCURRENCY: '4', IMAGES_QUEUE: 'photos.in', RABBITMQ_URL: 'amqps://rabbit:5671' });

    expect(env.API_PORT).toBe(8080);
    expect(env.WORKER_CONCURRENCY).toBe(4);
    expect(env.IMAGES_QUEUE).toBe('photos.in');
    expect(env.RABBITMQ_URL).toBe('amqps://rabbit:5671');
  });

  it('names every bad variable in one ConfigError', () => {
    const error = configErrorOf({
      API_PORT: 'abc',
      WORKER_CONCURRENCY: '0',
      RABBITMQ_URL: 'http://x',
      URL_SIGNING_SECRET: 'short',
    });

    expect(error.name).toBe('ConfigError');
    const named = error.problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(['API_PORT', 'RABBITMQ_URL', 'URL_SIGNING_SECRET', 'WORKER_CONCURRENCY']);
    for (const variable of named) expect(error.message).toContain(variable);
    expect(error.message).toMatch(/API_PORT: .*number/);
    expect(error.message).toContain('must be a URL starting with amqp:// or amqps://');
    expect(error.message).toContain('must be at least 16 characters');
  });

  it('names the variable and the rule but never prints the value, which may be a password or a secret', () => {
    const databaseUrl = 'mysql://darkroom:hunter2-db-password@db.internal:3306/photos';
    const secret = 'tooshort-s3cr3t';
    const error = configErrorOf({ DATABASE_URL: databaseUrl, URL_SIGNING_SECRET: secret, API_PORT: 'port-value-x', LOG_LEVEL: 'loud-value-y' });

    expect(error.problems).toHaveLength(4);
    expect(error.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\/$/),
      expect.stringMatching(/^API_PORT: /),
      expect.stringMatching(/^URL_SIGNING_SECRET: must be at least 16 characters$/),
      expect.stringMatching(/^LOG_LEVEL: /),
    ]));
    for (const value of [databaseUrl, 'hunter2-db-password', 'db.internal', secret, 'port-value-x', 'loud-value-y']) {
      expect(error.message).not.toContain(value);
      expect(JSON.stringify(error.problems)).not.toContain(value);
    }
  });

  it('refuses out-of-range and malformed values', () => {
    const error = configErrorOf({ API_PORT: '70000', WORKER_CONCURRENCY: '65', IMAGES_QUEUE: 'has space', LOG_LEVEL: 'verbose' });

    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_PORT', 'IMAGES_QUEUE', 'LOG_LEVEL', 'WORKER_CONCURRENCY']);
  });
});

describe('toAppConfig', () => {
  it('groups the values by the part of the system that uses them', () => {
    const config = toAppConfig(
      parseEnv({
        INSTANCE_NAME: 'worker-7',
        IMAGES_QUEUE: 'q.main',
        IMAGES_RETRY_QUEUE: 'q.retry',
        IMAGES_DEAD_QUEUE: 'q.dead',
        STORAGE_DIR: 'relative/photos',
        API_PORT: '4000',
        THUMB_PX: '200',
        JOB_MAX_ATTEMPTS: '5',
      }),
    );

    expect(config.instance).toBe('worker-7');
    expect(config.rabbit).toEqual({
      url: 'amqp://guest:guest@127.0.0.1:5672',
      exchange: 'darkroom.images',
      queues: { images: { queue: 'q.main', retryQueue: 'q.retry', deadQueue: 'q.dead' } },
    });
    expect(isAbsolute(config.storage.dir)).toBe(true);
    expect(config.storage.dir).toBe(resolve('relative/photos'));
    expect(config.api.port).toBe(4000);
    expect(config.api.webDistDir).toBe(resolve('dist/web'));
    expect(config.images).toEqual({ maxInputPixels: 100_000_000, thumbPx: 200, smallPx: 480, largePx: 1440, webpQuality: 80, webpEffort: 2, largeWebpQuality: 76, largeWebpEffort: 0 });
    expect(config.worker.maxAttempts).toBe(5);
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'darkroom', notificationsQueue: 'notifications', fanOutQueue: 'notifications.fanout' });
    expect(config.stream).toEqual({ heartbeatMs: 15_000, maxPerUser: 5, ticketTtlSeconds: 60 });
    expect(config.notifier.fanOutBatchSize).toBe(1000);
  });

  it('names the instance after host and pid when INSTANCE_NAME is unset', () => {
    expect(toAppConfig(parseEnv({})).instance).toMatch(new RegExp(`-${process.pid}$`));
  });
});

describe('rate limits, HTTP timeouts and trust proxy', () => {
  it('defaults to limits and timeouts that let legitimate use through', () => {
    const config = toAppConfig(parseEnv({}));
    expect(config.rateLimits).toEqual({ signUp: { limit: 20, windowSeconds: 3600 }, uploads: { limit: 120, windowSeconds: 60 } });
    expect(config.http).toEqual({ headersTimeoutMs: 20_000, requestTimeoutMs: 1_800_000, bodyIdleTimeoutMs: 60_000, keepAliveTimeoutMs: 5000 });
    expect(config.api.trustProxy).toBe(false);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '4000' })).toThrow('HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (4000)');
  });

  it('reads TRUST_PROXY as Express does: a boolean, a hop count, or addresses', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
    expect(() => parseEnv({ TRUST_PROXY: 'yes please!' })).toThrow('TRUST_PROXY');
  });
});

import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { envSchema, type Env } from './env.schema';

/**
 * The validated settings, grouped by the part of the system that uses them.
 * A class (not an interface) so that it is also the injection token.
 */
export abstract class AppConfig {
  declare instance: string;
  declare log: { level: Env['LOG_LEVEL']; format: Env['LOG_FORMAT'] };
  declare database: { url: string };
  /** One exchange; per queue family (libs/contracts' RabbitQueueFamily) the names of its three queues. */
  declare rabbit: { url: string; exchange: string; queues: { images: RabbitQueueNames } };
  declare redis: { url: string; prefix: string; notificationsQueue: string; fanOutQueue: string };
  declare cache: { ttlSeconds: number };
  /** diskWarnUsedRatio: the share of the volume in use above which readiness reports `disk` degraded. */
  declare storage: { dir: string; diskWarnUsedRatio: number };
  declare connectBackoffMaxMs: number;
  declare outboxPollMs: number;
  declare reconciler: { intervalSeconds: number; stuckAfterSeconds: number; orphanGraceSeconds: number };
  declare api: {
    host: string;
    port: number;
    maxUploadBytes: number;
    urlSigningSecret: string;
    signedUrlTtlSeconds: number;
    /** nginx internal location that maps to STORAGE_DIR; unset: the api streams thumbnails itself. */
    accelRedirectPrefix: string | undefined;
    /** Express's "trust proxy" value: who may set X-Forwarded-For. */
    trustProxy: boolean | number | string;
    /** The built web page served at / (absolute); a folder without index.html serves nothing. */
    webDistDir: string;
  };
  declare rateLimits: { signUp: RateLimit; uploads: RateLimit };
  declare http: { headersTimeoutMs: number; requestTimeoutMs: number; bodyIdleTimeoutMs: number; keepAliveTimeoutMs: number };
  declare stream: { heartbeatMs: number; maxPerUser: number; ticketTtlSeconds: number };
  declare webhooks: {
    allowedHosts: string[];
    timeoutMs: number;
    concurrency: number;
    /** ms to wait before each attempt after the first. */
    retryScheduleMs: number[];
    pollMs: number;
    disableAfter: number;
  };
  declare email: { smtpUrl?: string; from: string; digestSeconds: number; retryScheduleMs: number[]; publicUrl: string };
  declare images: {
    maxInputPixels: number;
    thumbPx: number;
    smallPx: number;
    largePx: number;
    /** thumb and small */
    webpQuality: number;
    webpEffort: number;
    largeWebpQuality: number;
    largeWebpEffort: number;
  };
  declare worker: { httpPort: number; concurrency: number; vipsThreads?: number; maxAttempts: number; retryDelayMs: number; nice: number };
  declare notifier: { httpPort: number; concurrency: number; fanOutBatchSize: number };
}

/** A consumed queue, the queue its retry copies wait in, and the queue its given-up messages are parked in. */
export interface RabbitQueueNames {
  queue: string;
  retryQueue: string;
  deadQueue: string;
}

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the raw environment; throws a ConfigError naming every bad variable and the rule it broke.
 * Never the value: a DATABASE_URL carries a password and URL_SIGNING_SECRET is one, and the message
 * lands in a log.
 */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  // An empty variable (FOO= in a .env file) means "not set", so the default applies.
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(present, { reportInput: false });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  // Node refuses a headers timeout longer than the request timeout (the headers are part of the request).
  if (result.data.HTTP_HEADERS_TIMEOUT_MS > result.data.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError([`HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${result.data.HTTP_REQUEST_TIMEOUT_MS})`]);
  }
  return result.data;
}

/** "true" / "false" / a hop count stay what they say; anything else is Express's list of addresses or subnets. */
export function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export function toAppConfig(env: Env): AppConfig {
  return {
    instance: env.INSTANCE_NAME ?? `${hostname()}-${process.pid}`,
    log: { level: env.LOG_LEVEL, format: env.LOG_FORMAT },
    database: { url: env.DATABASE_URL },
    rabbit: {
      url: env.RABBITMQ_URL,
      exchange: env.IMAGES_EXCHANGE,
      queues: { images: { queue: env.IMAGES_QUEUE, retryQueue: env.IMAGES_RETRY_QUEUE, deadQueue: env.IMAGES_DEAD_QUEUE } },
    },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX, notificationsQueue: env.NOTIFICATIONS_QUEUE, fanOutQueue: env.FANOUT_QUEUE },
    cache: { ttlSeconds: env.CACHE_TTL_SECONDS },
    storage: { dir: resolve(env.STORAGE_DIR), diskWarnUsedRatio: env.DISK_WARN_USED_PERCENT / 100 },
    connectBackoffMaxMs: env.CONNECT_BACKOFF_MAX_MS,
    outboxPollMs: env.OUTBOX_POLL_MS,
    reconciler: { intervalSeconds: env.RECONCILE_INTERVAL_SECONDS, stuckAfterSeconds: env.STUCK_UPLOAD_SECONDS, orphanGraceSeconds: env.ORPHAN_GRACE_SECONDS },
    api: {
      host: env.API_HOST,
      port: env.API_PORT,
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      urlSigningSecret: env.URL_SIGNING_SECRET,
      signedUrlTtlSeconds: env.SIGNED_URL_TTL_SECONDS,
      accelRedirectPrefix: env.ACCEL_REDIRECT_PREFIX || undefined,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      webDistDir: resolve(env.WEB_DIST_DIR),
    },
    rateLimits: {
      signUp: { limit: env.SIGNUP_RATE_LIMIT, windowSeconds: env.SIGNUP_RATE_WINDOW_SECONDS },
      uploads: { limit: env.UPLOAD_RATE_LIMIT, windowSeconds: env.UPLOAD_RATE_WINDOW_SECONDS },
    },
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      bodyIdleTimeoutMs: env.HTTP_BODY_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    webhooks: {
      allowedHosts: env.WEBHOOK_ALLOWED_HOSTS.split(',').map((host) => host.trim()).filter(Boolean),
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      concurrency: env.WEBHOOK_CONCURRENCY,
      retryScheduleMs: parseDurations(env.WEBHOOK_RETRY_SCHEDULE),
      pollMs: env.WEBHOOK_POLL_MS,
      disableAfter: env.WEBHOOK_DISABLE_AFTER,
    },
    email: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, digestSeconds: env.EMAIL_DIGEST_SECONDS, retryScheduleMs: parseDurations(env.EMAIL_RETRY_SCHEDULE), publicUrl: env.PUBLIC_URL.replace(/\/+$/, '') },
    stream: { heartbeatMs: env.STREAM_HEARTBEAT_MS, maxPerUser: env.STREAM_MAX_PER_USER, ticketTtlSeconds: env.STREAM_TICKET_TTL_SECONDS },
    images: {
      maxInputPixels: env.MAX_INPUT_PIXELS,
      thumbPx: env.THUMB_PX,
      smallPx: env.SMALL_PX,
      largePx: env.LARGE_PX,
      webpQuality: env.WEBP_QUALITY,
      webpEffort: env.WEBP_EFFORT,
      largeWebpQuality: env.LARGE_WEBP_QUALITY,
      largeWebpEffort: env.LARGE_WEBP_EFFORT,
    },
    worker: {
      httpPort: env.WORKER_HTTP_PORT,
      concurrency: env.WORKER_CONCURRENCY,
      vipsThreads: env.VIPS_CONCURRENCY,
      maxAttempts: env.JOB_MAX_ATTEMPTS,
      retryDelayMs: env.RETRY_DELAY_MS,
      nice: env.WORKER_NICE,
    },
    notifier: { httpPort: env.NOTIFIER_HTTP_PORT, concurrency: env.NOTIFIER_CONCURRENCY, fanOutBatchSize: env.FANOUT_BATCH_SIZE },
  };
}

let cached: AppConfig | undefined;

/** The one reader of process.env: validated once per process, then cached. */
export function loadConfig(): AppConfig {
  cached ??= toAppConfig(parseEnv(process.env));
  return cached;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "5s, 5m,2h" → [5000, 300000, 7200000]; the schema has checked the form. */
export function parseDurations(list: string): number[] {
  return list
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(part)!;
      return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
    });
}

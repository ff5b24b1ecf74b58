import { z } from 'zod';

/** Public (it is in this repository): fine on a laptop, a forged-link risk anywhere else. */
export const DEV_URL_SIGNING_SECRET = 'dev-only-url-signing-secret-change-me';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
// A queue, exchange or prefix name: kept to characters that are safe in AMQP, Redis keys and log lines.
const name = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only');
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

/**
 * Every environment variable darkroom reads, with its default. The README's
 * configuration table and .env.example list the same names; keep them in step.
 */
export const envSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  INSTANCE_NAME: z.string().min(1).optional(),

  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/darkroom'),
  RABBITMQ_URL: url(['amqp:', 'amqps:']).default('amqp://guest:guest@127.0.0.1:5672'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: name.default('darkroom'),
  STORAGE_DIR: z.string().min(1).default('./data'),
  DISK_WARN_USED_PERCENT: z.coerce.number().int().min(1).max(100).default(95),
  CONNECT_BACKOFF_MAX_MS: positiveInt.default(10_000),

  IMAGES_EXCHANGE: name.default('darkroom.images'),
  IMAGES_QUEUE: name.default('images.process'),
  IMAGES_RETRY_QUEUE: name.default('images.retry'),
  IMAGES_DEAD_QUEUE: name.default('images.dead'),
  NOTIFICATIONS_QUEUE: name.default('notifications'),
  FANOUT_QUEUE: name.default('notifications.fanout'),
  // Followers per fan-out page: one INSERT … SELECT and one Redis pipeline each.
  FANOUT_BATCH_SIZE: positiveInt.max(10_000).default(1000),
  OUTBOX_POLL_MS: positiveInt.default(1000),
  // The api's reconciler: how often it looks, how long an unfinished upload may go without a sign of life
  // before it is published again, and how old an original with no row must be before it is removed.
  RECONCILE_INTERVAL_SECONDS: positiveInt.max(86_400).default(60),
  STUCK_UPLOAD_SECONDS: positiveInt.default(900),
  ORPHAN_GRACE_SECONDS: positiveInt.min(1).default(3600),

  API_HOST: z.string().min(1).default('0.0.0.0'),
  API_PORT: port.default(3000),
  // Express's "trust proxy": false (the socket's address is the client), true, a hop count, or addresses/subnets.
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, 'true, false, a hop count, or comma-separated addresses/subnets')
    .default('false'),
  // Rate limits (per window, counted in Redis so they hold over all api replicas).
  SIGNUP_RATE_LIMIT: positiveInt.default(20),
  SIGNUP_RATE_WINDOW_SECONDS: positiveInt.max(86_400).default(3600),
  UPLOAD_RATE_LIMIT: positiveInt.default(120),
  UPLOAD_RATE_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
  // The api's HTTP server against slow clients.
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.min(1000).default(20_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.min(1000).default(30 * 60_000),
  HTTP_BODY_IDLE_TIMEOUT_MS: positiveInt.min(500).default(60_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.min(1000).default(5000),
  MAX_UPLOAD_BYTES: positiveInt.default(50 * 1024 * 1024),
  MAX_INPUT_PIXELS: positiveInt.default(100_000_000),
  URL_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_URL_SIGNING_SECRET),
  SIGNED_URL_TTL_SECONDS: positiveInt.default(3600),
  // Behind nginx: thumbnails are answered with X-Accel-Redirect: <prefix>/<key> and nginx sends the file.
  ACCEL_REDIRECT_PREFIX: z
    .string()
    .regex(/^(\/[\w-]+)+$/, 'must be an nginx location path such as /_media')
    .optional(),
  // The built web page (vite build of apps/web) that the api serves at / natively; in compose nginx serves it.
  WEB_DIST_DIR: z.string().min(1).default('./dist/web'),

  // Cache-aside entries (profile counts, first feed page, token → user) live at most this long.
  CACHE_TTL_SECONDS: positiveInt.max(86_400).default(60),
  STREAM_HEARTBEAT_MS: positiveInt.min(1000).default(15_000),
  STREAM_MAX_PER_USER: positiveInt.max(100).default(5),
  STREAM_TICKET_TTL_SECONDS: positiveInt.max(3600).default(60),
  // Hosts webhooks may be sent to although they are (or resolve to) loopback, private or link-local addresses:
  // comma-separated names or IP literals (e.g. "localhost,127.0.0.1" for a receiver on this machine). Empty: none.
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .regex(/^\s*$|^[\w.:[\]-]+(\s*,\s*[\w.:[\]-]+)*\s*$/, 'comma-separated host names or IP addresses')
    .default(''),
  // Webhook deliveries (the notifier): a receiver's time to answer, deliveries in flight at once, the waits
  // between attempts after the first (Svix's schedule: 8 attempts over about a day), how often due deliveries
  // are looked for, and how many given-up deliveries in a row disable an endpoint.
  WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000).default(5000),
  WEBHOOK_CONCURRENCY: positiveInt.max(500).default(16),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(ms|s|m|h)(\s*,\s*\d+(ms|s|m|h))*\s*$|^\s*$/, 'comma-separated waits such as 5s,5m,30m,2h (ms, s, m or h), or empty for a single attempt')
    .default('5s,5m,30m,2h,5h,10h,10h'),
  WEBHOOK_POLL_MS: positiveInt.max(60_000).default(1000),
  WEBHOOK_DISABLE_AFTER: positiveInt.max(1000).default(5),
  // E-mail (the notifier), off while SMTP_URL is unset: smtp://user:pass@host:587 (STARTTLS when offered) or
  // smtps://…:465 (TLS from the start). A digest gathers a user's notifications for EMAIL_DIGEST_SECONDS
  // (0: one e-mail per notification). PUBLIC_URL is where links in e-mails point (the unsubscribe link).
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).max(200).default('darkroom <no-reply@darkroom.invalid>'),
  EMAIL_DIGEST_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  EMAIL_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(ms|s|m|h)(\s*,\s*\d+(ms|s|m|h))*\s*$|^\s*$/, 'comma-separated waits such as 1m,5m,30m (ms, s, m or h), or empty for a single attempt')
    .default('1m,5m,30m,2h,6h'),
  PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000'),
  WORKER_HTTP_PORT: port.default(3001),
  WORKER_CONCURRENCY: positiveInt.max(64).default(2),
  // libvips threads per photo; unset: cores / WORKER_CONCURRENCY (at least 1)
  VIPS_CONCURRENCY: positiveInt.max(64).optional(),
  JOB_MAX_ATTEMPTS: positiveInt.max(100).default(3),
  RETRY_DELAY_MS: positiveInt.default(5000),
  THUMB_PX: positiveInt.max(4096).default(160),
  SMALL_PX: positiveInt.max(8192).default(480),
  LARGE_PX: positiveInt.max(16384).default(1440),
  // thumb and small; libwebp's method: 4 is its default, 2 is as good for these sizes at less CPU (README, "Performance")
  WEBP_QUALITY: positiveInt.max(100).default(80),
  WEBP_EFFORT: z.coerce.number().int().min(0).max(6).default(2),
  // large: three quarters of the encoding CPU. Method 0 at quality 76 costs 40% less CPU than method 2 at 80, for
  // files 4% larger and 0.15 dB less PSNR over the bench's photos (README, "Performance")
  LARGE_WEBP_QUALITY: positiveInt.max(100).default(76),
  LARGE_WEBP_EFFORT: z.coerce.number().int().min(0).max(6).default(0),
  // added to the worker's nice value at start: developing photos yields the cores to the api and the database
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),

  NOTIFIER_HTTP_PORT: port.default(3002),
  NOTIFIER_CONCURRENCY: positiveInt.max(1000).default(10),
});

export type Env = z.infer<typeof envSchema>;

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ENTRY, ROOT, spawnApp, waitUntilReady } from './app-process';
import { E2eState, newRunId, STATE_ENV, stateFile } from './e2e-env';
import { freePort } from './late-proxy';
import { E2E_WEBHOOK_ENV } from './webhook-receiver';

export default async function globalSetup(): Promise<void> {
  for (const entry of Object.values(ENTRY)) {
    if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  }
  const runId = newRunId();
  const runDir = join(ROOT, '.e2e', runId);
  const logsDir = join(runDir, 'logs');
  const storageDir = join(runDir, 'data');
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(storageDir, { recursive: true });

  const pgBase = process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const databaseName = `darkroom_e2e_${runId}`;
  const adminDatabaseUrl = `${pgBase}/postgres`;
  const databaseUrl = `${pgBase}/${databaseName}`;
  const admin = new Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  // The same migration entry point as `npm run migrate` and the compose migrate service.
  execFileSync(process.execPath, [ENTRY.migrate], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, stdio: 'pipe' });

  const [apiPort, workerAPort, workerBPort, notifierPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const state: E2eState = {
    runId,
    runDir,
    logsDir,
    storageDir,
    databaseUrl,
    adminDatabaseUrl,
    databaseName,
    rabbitUrl: process.env.E2E_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    redisUrl: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `darkroom-e2e-${runId}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    maxUploadBytes: 20 * 1024 * 1024,
    maxInputPixels: 40_000_000,
    queues: {
      exchange: `darkroom.images.e2e-${runId}`,
      queue: `images.process.e2e-${runId}`,
      retryQueue: `images.retry.e2e-${runId}`,
      deadQueue: `images.dead.e2e-${runId}`,
    },
    processes: [],
    appEnv: {},
  };

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    DATABASE_URL: databaseUrl,
    RABBITMQ_URL: state.rabbitUrl,
    REDIS_URL: state.redisUrl,
    REDIS_PREFIX: state.redisPrefix,
    STORAGE_DIR: storageDir,
    IMAGES_EXCHANGE: state.queues.exchange,
    IMAGES_QUEUE: state.queues.queue,
    IMAGES_RETRY_QUEUE: state.queues.retryQueue,
    IMAGES_DEAD_QUEUE: state.queues.deadQueue,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    MAX_UPLOAD_BYTES: String(state.maxUploadBytes),
    MAX_INPUT_PIXELS: String(state.maxInputPixels),
    URL_SIGNING_SECRET: `e2e-secret-${runId}`,
    OUTBOX_POLL_MS: '250',
    RETRY_DELAY_MS: '200',
    WORKER_CONCURRENCY: '2',
    // The suites sign up many users and upload many photos from one address; the limits suite starts apis of its own with small limits.
    SIGNUP_RATE_LIMIT: '1000000',
    UPLOAD_RATE_LIMIT: '1000000',
    // receivers on this machine allowed (the webhooks suite checks refusals on an api of its own), a short schedule
    ...E2E_WEBHOOK_ENV,
  };

  state.appEnv = env;
  const apps = [
    { app: spawnApp('api', ENTRY.api, env, logsDir), health: `${state.apiUrl}/health/ready` },
    { app: spawnApp('worker-a', ENTRY.worker, { ...env, WORKER_HTTP_PORT: String(workerAPort) }, logsDir), health: `http://127.0.0.1:${workerAPort}/health/ready` },
    { app: spawnApp('worker-b', ENTRY.worker, { ...env, WORKER_HTTP_PORT: String(workerBPort) }, logsDir), health: `http://127.0.0.1:${workerBPort}/health/ready` },
    { app: spawnApp('notifier', ENTRY.notifier, { ...env, NOTIFIER_HTTP_PORT: String(notifierPort) }, logsDir), health: `http://127.0.0.1:${notifierPort}/health/ready` },
  ];
  const children = apps.map(({ app }) => app.child);
  state.processes = apps.map(({ app, health }) => ({ name: app.name, pid: app.child.pid!, log: app.log, health }));
  writeFileSync(stateFile(runDir), JSON.stringify(state, null, 2));
  process.env[STATE_ENV] = stateFile(runDir);
  (globalThis as { __darkroomE2e?: unknown }).__darkroomE2e = { children, state };

  try {
    await Promise.all(apps.map(({ app, health }) => waitUntilReady(app, health)));
  } catch (error) {
    for (const child of children) child.kill('SIGKILL');
    throw error;
  }
}

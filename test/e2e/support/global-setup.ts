import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { E2eState, newRunId, STATE_ENV, stateFile } from './e2e-env';

const ROOT = resolve(__dirname, '../../..');
const READY_TIMEOUT_MS = 60_000;

/** The apps run from the build, the same entry points the container image runs. */
const ENTRY = {
  api: 'dist/apps/api/src/main.js',
  worker: 'dist/apps/worker/src/main.js',
  notifier: 'dist/apps/notifier/src/main.js',
  migrate: 'dist/apps/api/src/migrate.js',
};

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
  };

  const children: ChildProcess[] = [];
  const start = (name: string, entry: string, extra: NodeJS.ProcessEnv, health: string) => {
    const log = join(logsDir, `${name}.log`);
    const out = createWriteStream(log);
    const child = spawn(process.execPath, [entry], { cwd: ROOT, env: { ...env, INSTANCE_NAME: name, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    children.push(child);
    state.processes.push({ name, pid: child.pid!, log, health });
    return { name, child, log, health };
  };
  const apps = [
    start('api', ENTRY.api, {}, `${state.apiUrl}/health/ready`),
    start('worker-a', ENTRY.worker, { WORKER_HTTP_PORT: String(workerAPort) }, `http://127.0.0.1:${workerAPort}/health/ready`),
    start('worker-b', ENTRY.worker, { WORKER_HTTP_PORT: String(workerBPort) }, `http://127.0.0.1:${workerBPort}/health/ready`),
    start('notifier', ENTRY.notifier, { NOTIFIER_HTTP_PORT: String(notifierPort) }, `http://127.0.0.1:${notifierPort}/health/ready`),
  ];
  writeFileSync(stateFile(runDir), JSON.stringify(state, null, 2));
  process.env[STATE_ENV] = stateFile(runDir);
  (globalThis as { __darkroomE2e?: unknown }).__darkroomE2e = { children, state };

  try {
    await Promise.all(apps.map((app) => waitUntilReady(app.name, app.child, app.health, app.log)));
  } catch (error) {
    for (const child of children) child.kill('SIGKILL');
    throw error;
  }
}

async function waitUntilReady(name: string, child: ChildProcess, url: string, log: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} during start-up:\n${tail(log)}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${name} was not ready at ${url} within ${READY_TIMEOUT_MS} ms:\n${tail(log)}`);
}

function tail(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { UploadView, UserSession } from './api-client';
import { AppProcess, ENTRY, ROOT, spawnApp, stopApp, waitUntilReady } from './app-process';
import { readState } from './e2e-env';
import { sqlAt } from './inspect';
import { freePort } from './late-proxy';

/**
 * An api and workers of a suite's own: own database, exchange and queues, Redis prefix and volume, on the
 * machine's servers. For a suite that kills workers, purges queues or plants files, which the shared stack's
 * other suites must not see (the shared relay would also publish this suite's outbox rows).
 */
export class PrivateStack {
  readonly env: NodeJS.ProcessEnv;
  readonly storageDir: string;
  readonly queues: { exchange: string; queue: string; retryQueue: string; deadQueue: string };
  readonly databaseUrl: string;
  apiUrl = '';
  private readonly apps: AppProcess[] = [];
  private api?: AppProcess;
  private apiPort = 0;
  private readonly state = readState();
  private readonly databaseName: string;

  constructor(
    private readonly tag: string,
    env: NodeJS.ProcessEnv = {},
  ) {
    const state = this.state;
    const run = `${state.runId}_${tag}`;
    this.databaseName = `darkroom_e2e_${run}`;
    this.databaseUrl = state.databaseUrl.replace(/[^/]+$/, this.databaseName);
    this.queues = { exchange: `darkroom.images.e2e-${run}`, queue: `images.process.e2e-${run}`, retryQueue: `images.retry.e2e-${run}`, deadQueue: `images.dead.e2e-${run}` };
    this.storageDir = join(state.runDir, `${tag}-data`);
    this.env = {
      ...state.appEnv,
      DATABASE_URL: this.databaseUrl,
      STORAGE_DIR: this.storageDir,
      REDIS_PREFIX: `darkroom-e2e-${run}`,
      IMAGES_EXCHANGE: this.queues.exchange,
      IMAGES_QUEUE: this.queues.queue,
      IMAGES_RETRY_QUEUE: this.queues.retryQueue,
      IMAGES_DEAD_QUEUE: this.queues.deadQueue,
      ...env,
    };
  }

  /** Creates and migrates the database, then starts the api. */
  async start(): Promise<void> {
    mkdirSync(this.storageDir, { recursive: true });
    const admin = new Client({ connectionString: this.state.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${this.databaseName}`);
    await admin.end();
    execFileSync(process.execPath, [ENTRY.migrate], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: this.databaseUrl }, stdio: 'pipe' });
    this.apiPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${this.apiPort}`;
    await this.startApi();
  }

  /** (Re)starts the api on the stack's port; a restart logs to api-<tag>-<n>.log. */
  async startApi(): Promise<void> {
    const restarts = this.apps.filter((app) => app.name.startsWith(`api-${this.tag}`)).length;
    const api = spawnApp(`api-${this.tag}${restarts ? `-${restarts + 1}` : ''}`, ENTRY.api, { ...this.env, API_PORT: String(this.apiPort) }, this.state.logsDir);
    this.apps.push(api);
    this.api = api;
    await waitUntilReady(api, `${this.apiUrl}/health/ready`);
  }

  /** SIGTERM to the api (it ends its notification streams at once) and waits for it to exit. */
  async stopApi(): Promise<void> {
    if (this.api) await stopApp(this.api.child);
  }

  /** Spawns a worker, returned at once (`ready` settles once it consumes). */
  async worker(name: string): Promise<{ app: AppProcess; ready: Promise<void> }> {
    const port = await freePort();
    const app = spawnApp(`${name}`, ENTRY.worker, { ...this.env, WORKER_HTTP_PORT: String(port) }, this.state.logsDir);
    this.apps.push(app);
    return { app, ready: waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`) };
  }

  /** Spawns a notifier, returned at once (`ready` settles once its health says so). */
  async notifier(name: string, env: NodeJS.ProcessEnv = {}): Promise<{ app: AppProcess; ready: Promise<void> }> {
    const port = await freePort();
    const app = spawnApp(name, ENTRY.notifier, { ...this.env, ...env, NOTIFIER_HTTP_PORT: String(port) }, this.state.logsDir);
    this.apps.push(app);
    return { app, ready: waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`) };
  }

  async signUp(handle: string): Promise<UserSession> {
    const response = await fetch(`${this.apiUrl}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: `${handle}_${this.state.runId}`.slice(0, 30) }) });
    if (response.status !== 201) throw new Error(`POST /v1/users → ${response.status} ${await response.text()}`);
    return (await response.json()) as UserSession;
  }

  async upload(user: UserSession, data: Buffer, name: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([data], { type: 'image/jpeg' }), name);
    const response = await fetch(`${this.apiUrl}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
    if (response.status !== 202) throw new Error(`upload → ${response.status} ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  }

  async view(user: UserSession, id: string): Promise<UploadView> {
    const response = await fetch(`${this.apiUrl}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${user.token}` } });
    return (await response.json()) as UploadView;
  }

  sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return sqlAt<T>(this.databaseUrl, text, params);
  }

  /** Runs `use` on a channel of the stack's broker connection. */
  async amqp<T>(use: (channel: import('amqplib').Channel) => Promise<T>): Promise<T> {
    const connection = await connect(this.state.rabbitUrl);
    try {
      return await use(await connection.createChannel());
    } finally {
      await connection.close();
    }
  }

  /** Stops every process, then drops the database, the queues and exchange, and the Redis keys. */
  async close(): Promise<void> {
    await Promise.all(this.apps.map((app) => stopApp(app.child)));
    const admin = new Client({ connectionString: this.state.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.databaseName} WITH (FORCE)`);
    await admin.end();
    await this.amqp(async (channel) => {
      for (const queue of [this.queues.queue, this.queues.retryQueue, this.queues.deadQueue]) await channel.deleteQueue(queue);
      await channel.deleteExchange(this.queues.exchange);
    });
    const redis = new Redis(this.state.redisUrl);
    const keys = await redis.keys(`${this.env.REDIS_PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

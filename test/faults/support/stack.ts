import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { apiClient } from '../../e2e/support/api-client';
import { AppProcess, ENTRY, ROOT, spawnApp, stopApp, waitUntilReady } from '../../e2e/support/app-process';
import { newRunId } from '../../e2e/support/e2e-env';
import { sqlAt } from '../../e2e/support/inspect';
import { freePort } from '../../e2e/support/late-proxy';
import { PostgresServer, RabbitServer, RedisServer, TestServer } from './servers';

export interface RunningApp {
  app: AppProcess;
  /** Its /health/ready URL. */
  health: string;
}

/**
 * The whole pipeline on servers of its own: private Postgres, RabbitMQ and Redis (servers.ts), the built api, one
 * worker and the notifier. Logs stay in .e2e/faults-<run>/logs; the servers' dirs and the photo volume are temp
 * dirs that destroy() removes.
 */
export class FaultStack {
  readonly runId = newRunId();
  readonly logsDir = join(ROOT, '.e2e', `faults-${this.runId}`, 'logs');
  readonly storageDir = mkdtempSync(join(tmpdir(), 'darkroom-faults-storage-'));
  postgres?: PostgresServer;
  rabbit?: RabbitServer;
  redis?: RedisServer;
  apiUrl = '';
  readonly apps: Record<string, RunningApp> = {};
  readonly client = apiClient(() => ({ apiUrl: this.apiUrl, runId: this.runId }));
  private env: NodeJS.ProcessEnv = {};

  get databaseUrl(): string {
    return `${this.postgres!.url}/darkroom`;
  }

  /** Starts everything; on any failure it removes what it had started and rethrows. */
  static async start(): Promise<FaultStack> {
    for (const entry of Object.values(ENTRY)) {
      if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
    }
    const stack = new FaultStack();
    try {
      await stack.boot();
      return stack;
    } catch (error) {
      await stack.destroy();
      throw error;
    }
  }

  private async boot(): Promise<void> {
    mkdirSync(this.logsDir, { recursive: true });
    const servers = [PostgresServer.create(), RabbitServer.create(), RedisServer.create()] as const;
    // allSettled: a server created before another failed must still be destroyed.
    const [postgres, rabbit, redis] = await Promise.allSettled(servers);
    if (postgres.status === 'fulfilled') this.postgres = postgres.value;
    if (rabbit.status === 'fulfilled') this.rabbit = rabbit.value;
    if (redis.status === 'fulfilled') this.redis = redis.value;
    for (const created of [postgres, rabbit, redis]) if (created.status === 'rejected') throw created.reason;
    await Promise.all(this.servers().map((server) => server.start()));

    // The migrate entry point creates the database, as `npm run migrate` does.
    execFileSync(process.execPath, [ENTRY.migrate], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: this.databaseUrl }, stdio: 'pipe' });

    const [apiPort, workerPort, notifierPort] = await Promise.all([freePort(), freePort(), freePort()]);
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DATABASE_URL: this.databaseUrl,
      RABBITMQ_URL: this.rabbit!.url,
      REDIS_URL: this.redis!.url,
      REDIS_PREFIX: `darkroom-faults-${this.runId}`,
      STORAGE_DIR: this.storageDir,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      URL_SIGNING_SECRET: `faults-secret-${this.runId}`,
      OUTBOX_POLL_MS: '250',
      RETRY_DELAY_MS: '200',
      WORKER_CONCURRENCY: '2',
      // An outage is the point here: come back quickly once the server does.
      CONNECT_BACKOFF_MAX_MS: '1000',
      // One user uploads whole batches in a burst: the limits are the limits suite's to prove.
      SIGNUP_RATE_LIMIT: '1000000',
      UPLOAD_RATE_LIMIT: '1000000',
    };
    this.apps.api = { app: spawnApp('api', ENTRY.api, this.env, this.logsDir), health: `${this.apiUrl}/health/ready` };
    this.apps.worker = {
      app: spawnApp('worker', ENTRY.worker, { ...this.env, WORKER_HTTP_PORT: String(workerPort) }, this.logsDir),
      health: `http://127.0.0.1:${workerPort}/health/ready`,
    };
    this.apps.notifier = {
      app: spawnApp('notifier', ENTRY.notifier, { ...this.env, NOTIFIER_HTTP_PORT: String(notifierPort) }, this.logsDir),
      health: `http://127.0.0.1:${notifierPort}/health/ready`,
    };
    await this.waitUntilAllReady();
  }

  /** One more api on the same servers and volume, on a port of its own; destroy() stops it too. */
  async spawnApi(name: string): Promise<RunningApp & { url: string }> {
    const port = await freePort();
    const app = spawnApp(name, ENTRY.api, { ...this.env, API_PORT: String(port) }, this.logsDir);
    const url = `http://127.0.0.1:${port}`;
    this.apps[name] = { app, health: `${url}/health/ready` };
    await waitUntilReady(app, `${url}/health/ready`);
    return { app, health: `${url}/health/ready`, url };
  }

  /** Every file on the photo volume, as paths relative to it (temp files under tmp/ included). */
  storedFiles(): string[] {
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [relative(this.storageDir, path)];
      });
    return walk(this.storageDir).sort();
  }

  /** Every app answers 200 on /health/ready. */
  async waitUntilAllReady(timeoutMs = 60_000): Promise<void> {
    await Promise.all(Object.values(this.apps).map(({ app, health }) => waitUntilReady(app, health, timeoutMs)));
  }

  /** The apps that exited (none should, whatever the servers do); `except` names those a test stopped itself. */
  crashed(...except: string[]): string[] {
    return Object.values(this.apps)
      .filter(({ app }) => !except.includes(app.name))
      .filter(({ app }) => app.child.exitCode !== null || app.child.signalCode !== null)
      .map(({ app }) => `${app.name} (${app.child.exitCode ?? app.child.signalCode})`);
  }

  sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return sqlAt<T>(this.databaseUrl, text, params);
  }

  /** Stops the apps, then the servers, and removes the temp dirs; never throws, so afterAll always finishes. */
  async destroy(): Promise<void> {
    await Promise.allSettled(Object.values(this.apps).map(({ app }) => stopApp(app.child)));
    const results = await Promise.allSettled(this.servers().map((server) => server.destroy()));
    rmSync(this.storageDir, { recursive: true, force: true });
    const problems = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (problems.length) console.warn(`faults teardown: ${problems.join('; ')}`);
  }

  private servers(): TestServer[] {
    return [this.postgres, this.rabbit, this.redis].filter((s): s is PostgresServer | RabbitServer | RedisServer => s !== undefined);
  }
}

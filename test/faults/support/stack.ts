import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { apiClient } from '../../e2e/support/api-client';
import { AppProcess, ENTRY, ROOT, spawnApp, stopApp, waitUntilReady } from '../../e2e/support/app-process';
import { newRunId } from '../../e2e/support/e2e-env';
import { sqlAt } from '../../e2e/support/inspect';
import { freePort } from '../../e2e/support/late-proxy';
import { PostgresServer, RabbitServer, RedisServer, TestServer } from './servers';

export interface FaultStackOptions {
  /**
   * Puts the photo volume on a tmpfs of this many bytes, mounted in start() and unmounted in destroy(): a disk
   * that a test can fill (fillVolume). Mounting needs root (or CAP_SYS_ADMIN), as the faults suite runs; if the
   * mount fails, start() fails saying so, rather than the test running on a disk it cannot fill.
   */
  storageTmpfsBytes?: number;
}

/** The file fillVolume() writes: a name the store never writes nor walks (its keys never start with a dot). */
export const FILLER = '.faults-filler';

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
  private tmpfsMounted = false;

  private constructor(private readonly options: FaultStackOptions = {}) {}

  get databaseUrl(): string {
    return `${this.postgres!.url}/darkroom`;
  }

  /** Starts everything; on any failure it removes what it had started and rethrows. */
  static async start(options: FaultStackOptions = {}): Promise<FaultStack> {
    for (const entry of Object.values(ENTRY)) {
      if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
    }
    const stack = new FaultStack(options);
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
    if (this.options.storageTmpfsBytes !== undefined) this.mountTmpfs(this.options.storageTmpfsBytes);
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

  /** One more worker on the same servers and volume, with an HTTP port of its own; destroy() stops it too. */
  async spawnWorker(name: string): Promise<RunningApp> {
    const port = await freePort();
    const app = spawnApp(name, ENTRY.worker, { ...this.env, WORKER_HTTP_PORT: String(port) }, this.logsDir);
    this.apps[name] = { app, health: `http://127.0.0.1:${port}/health/ready` };
    await waitUntilReady(app, this.apps[name].health);
    return this.apps[name];
  }

  /** Stops one app (SIGTERM) and forgets it, so crashed() no longer counts it. */
  async stopApp(name: string): Promise<void> {
    const running = this.apps[name];
    if (!running) throw new Error(`no app named ${name}`);
    await stopApp(running.app.child);
    delete this.apps[name];
  }

  /** Bytes a write to the photo volume can still take (what `df` calls available). */
  volumeFree(): number {
    const fs = statfsSync(this.storageDir);
    return fs.bavail * fs.bsize;
  }

  /**
   * Fills the photo volume (a tmpfs: storageTmpfsBytes) with one file, FILLER, until only `leaveBytes` are
   * free (or it is full, for 0); returns the bytes free afterwards. freeVolume() removes the filler again.
   */
  fillVolume(leaveBytes = 0): number {
    if (!this.tmpfsMounted) throw new Error('fillVolume() fills the tmpfs of storageTmpfsBytes; this stack has none');
    const fd = openSync(join(this.storageDir, FILLER), 'a');
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    try {
      for (let left = this.volumeFree() - leaveBytes; left > 0; ) {
        let written: number;
        try {
          written = writeSync(fd, chunk, 0, Math.min(left, chunk.length));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break; // full: as far as it goes
          throw error;
        }
        left -= written;
      }
    } finally {
      closeSync(fd);
    }
    return this.volumeFree();
  }

  /** Removes what fillVolume() wrote. */
  freeVolume(): void {
    rmSync(join(this.storageDir, FILLER), { force: true });
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
    const problems = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (this.tmpfsMounted) {
      const unmounted = this.unmountTmpfs();
      if (unmounted !== true) problems.push(unmounted);
    }
    try {
      rmSync(this.storageDir, { recursive: true, force: true });
    } catch (error) {
      problems.push(`removing ${this.storageDir}: ${(error as Error).message}`);
    }
    if (problems.length) console.warn(`faults teardown: ${problems.join('; ')}`);
  }

  private mountTmpfs(bytes: number): void {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', this.storageDir], { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(
        `could not mount a tmpfs of ${bytes} bytes on ${this.storageDir} for the photo volume (storageTmpfsBytes): ` +
          `${stderr || (error as Error).message}. Mounting needs root or CAP_SYS_ADMIN, as the faults suite runs; this test cannot run without it`,
        { cause: error },
      );
    }
    this.tmpfsMounted = true;
  }

  /** true, or what went wrong: a busy mount is detached lazily rather than left behind. */
  private unmountTmpfs(): true | string {
    try {
      execFileSync('umount', [this.storageDir], { stdio: 'pipe' });
    } catch (error) {
      try {
        execFileSync('umount', ['-l', this.storageDir], { stdio: 'pipe' });
      } catch (lazyError) {
        return `unmounting the tmpfs on ${this.storageDir}: ${(error as Error).message}; lazily: ${(lazyError as Error).message}`;
      }
    }
    this.tmpfsMounted = false;
    return true;
  }

  private servers(): TestServer[] {
    return [this.postgres, this.rabbit, this.redis].filter((s): s is PostgresServer | RabbitServer | RedisServer => s !== undefined);
  }
}

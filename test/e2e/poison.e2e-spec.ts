import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'amqplib';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { eventually, type UploadView, type UserSession } from './support/api-client';
import { AppProcess, ENTRY, ROOT, spawnApp, stopApp, waitUntilReady } from './support/app-process';
import { readState } from './support/e2e-env';
import { logLinesIn } from './support/inspect';
import { freePort } from './support/late-proxy';
import { grainyJpeg, smallJpeg } from './support/photos';

/**
 * A photo whose processing kills the worker process, every time, as an OOM killer would. The suite runs an
 * api and two workers of its own (own database, exchange, queues and Redis prefix): the shared stack's
 * relay would otherwise publish its uploads to the shared workers, and it kills workers.
 */
describe('a photo that kills every worker that picks it up', () => {
  const state = readState();
  const tag = `${state.runId}_poison`;
  const databaseUrl = state.databaseUrl.replace(/[^/]+$/, `darkroom_e2e_${tag}`);
  const queues = { exchange: `darkroom.images.e2e-${tag}`, queue: `images.process.e2e-${tag}`, retryQueue: `images.retry.e2e-${tag}`, deadQueue: `images.dead.e2e-${tag}` };
  const storageDir = join(state.runDir, 'poison-data');
  const env: NodeJS.ProcessEnv = {
    ...state.appEnv,
    DATABASE_URL: databaseUrl,
    STORAGE_DIR: storageDir,
    REDIS_PREFIX: `darkroom-e2e-${tag}`,
    IMAGES_EXCHANGE: queues.exchange,
    IMAGES_QUEUE: queues.queue,
    IMAGES_RETRY_QUEUE: queues.retryQueue,
    IMAGES_DEAD_QUEUE: queues.deadQueue,
    JOB_MAX_ATTEMPTS: '3',
    // One photo in hand per worker: a kill interrupts the poison alone, not a neighbour that happened to share its worker.
    WORKER_CONCURRENCY: '1',
  };
  const apps: AppProcess[] = [];
  const workers = new Map<string, AppProcess>();
  let apiUrl: string;
  let user: UserSession;

  /** Spawns a worker under `slot`, watched from this moment on; resolves once it is ready. */
  const startWorker = async (slot: string, generation: number): Promise<void> => {
    const port = await freePort();
    const worker = spawnApp(`${slot}-${generation}`, ENTRY.worker, { ...env, WORKER_HTTP_PORT: String(port) }, state.logsDir);
    apps.push(worker);
    workers.set(slot, worker);
    await waitUntilReady(worker, `http://127.0.0.1:${port}/health/ready`);
  };

  const view = async (id: string): Promise<UploadView> => {
    const response = await fetch(`${apiUrl}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${user.token}` } });
    return (await response.json()) as UploadView;
  };

  beforeAll(async () => {
    mkdirSync(storageDir, { recursive: true });
    const admin = new Client({ connectionString: state.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE darkroom_e2e_${tag}`);
    await admin.end();
    execFileSync(process.execPath, [ENTRY.migrate], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, stdio: 'pipe' });

    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const api = spawnApp('api-poison', ENTRY.api, { ...env, API_PORT: String(port) }, state.logsDir);
    apps.push(api);
    await waitUntilReady(api, `${apiUrl}/health/ready`);
    await Promise.all(['worker-poison-a', 'worker-poison-b'].map((slot) => startWorker(slot, 1)));

    const response = await fetch(`${apiUrl}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: `poison_${state.runId}`.slice(0, 30) }) });
    user = (await response.json()) as UserSession;
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => stopApp(app.child)));
    const admin = new Client({ connectionString: state.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS darkroom_e2e_${tag} WITH (FORCE)`);
    await admin.end();
    const amqp = await connect(state.rabbitUrl);
    const channel = await amqp.createChannel();
    for (const queue of [queues.queue, queues.retryQueue, queues.deadQueue]) await channel.deleteQueue(queue);
    await channel.deleteExchange(queues.exchange);
    await amqp.close();
    const redis = new Redis(state.redisUrl);
    const keys = await redis.keys(`${env.REDIS_PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('ends `failed` with a reason after JOB_MAX_ATTEMPTS deaths, is dead-lettered, and the rest of the batch ends `done`', async () => {
    const post = async (data: Buffer, name: string): Promise<string> => {
      const form = new FormData();
      form.append('file', new Blob([data], { type: 'image/jpeg' }), name);
      const response = await fetch(`${apiUrl}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    };
    // Big enough that its worker is still at it when the test sees it begin.
    const poison = await post(await grainyJpeg(6000, 4000), 'poison.jpg');
    const others = await Promise.all(Array.from({ length: 6 }, async (_, i) => post(await smallJpeg(7700 + i), `fine-${i}.jpg`)));

    // Each delivery of the poison: find the worker that began it (its "developing upload" line) and kill it at
    // once; its replacement starts meanwhile, and the other worker may well take the redelivery first.
    const restarts: Array<Promise<void>> = [];
    for (let death = 0; death < 3; death++) {
      const [slot, victim] = await eventually(
        `a worker to begin the poison photo for the ${death + 1}. time`,
        async () => [...workers].find(([, w]) => logLinesIn(w.log).some((l) => l.msg === 'developing upload' && l.uploadId === poison && l.interrupted === death)) ?? null,
        (found) => found !== null,
        60_000,
      ).then((found) => found!);
      victim.child.kill('SIGKILL');
      // As a supervisor would; what is tested is the photo, so a slow start is not waited for here.
      restarts.push(startWorker(slot, death + 2));
    }

    const failed = await eventually(`the poison photo to end`, () => view(poison), (u) => u.status === 'done' || u.status === 'failed', 60_000);
    expect(failed).toMatchObject({
      status: 'failed',
      failureReason: 'processing was interrupted 3 times: the worker died while developing this photo (out of memory, or killed)',
      thumbnails: [],
    });
    const finished = await Promise.all(others.map((id) => eventually(`upload ${id} to end`, () => view(id), (u) => u.status === 'done' || u.status === 'failed', 60_000)));
    expect(finished.map((u) => [u.status, u.thumbnails.length])).toEqual(others.map(() => ['done', 3]));

    // Parked for an operator, not lost and not looping.
    const amqp = await connect(state.rabbitUrl);
    try {
      const channel = await amqp.createChannel();
      const dead = await eventually('the poison message in the dead-letter queue', () => channel.checkQueue(queues.deadQueue), (q) => q.messageCount === 1, 10_000);
      expect(dead.messageCount).toBe(1);
      expect((await channel.checkQueue(queues.queue)).messageCount).toBe(0);
    } finally {
      await amqp.close();
      await Promise.allSettled(restarts);
    }
  });
});

// What the service benchmarks share: a database, Redis prefix and queue names of their own, apps started from
// dist/ as child processes, and clean-up of all of it. Every run is apart from every other (and from tests).
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const http = require('node:http');
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('pg');
const { Redis } = require('ioredis');
const { connect } = require('amqplib');
const { runMigrations } = require('../dist/libs/database/src');

const ROOT = resolve(__dirname, '..');
const PG = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function until(what, probe, timeoutMs, intervalMs = 10) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Peak resident memory of a live process (VmHWM), in MB. */
function peakRssMb(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time (user + system, ms) a process has used so far; 0 once it is gone. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100; // USER_HZ, 100 on every Linux the bench runs on

/** CPU time (ms) used so far by the machine's Postgres, RabbitMQ and Redis processes, by name: the services the apps talk to. */
function serviceCpuMs() {
  const services = { postgres: 0, rabbitmq: 0, redis: 0 };
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let name;
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const service = /^postgres|^postmaster/.test(name) ? 'postgres' : /^beam|^erl/.test(name) ? 'rabbitmq' : /^redis/.test(name) ? 'redis' : null;
    if (service) services[service] += cpuMs(pid);
  }
  return services;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

function stop({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => (child.once('exit', ok), child.kill('SIGTERM')));
}

/** A migrated database, a Redis prefix, queue names and a storage dir of its own; `close()` removes them all. */
async function benchEnvironment(name) {
  const run = `${name}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `darkroom_bench_${run}`;
  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = `${PG}/${dbName}`;
  await runMigrations(databaseUrl);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const storage = mkdtempSync(join(tmpdir(), `darkroom-bench-${name}-`));
  const prefix = `darkroom-bench-${run}`;
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    RABBITMQ_URL,
    IMAGES_EXCHANGE: `darkroom.images.bench-${run}`,
    IMAGES_QUEUE: `images.process.bench-${run}`,
    IMAGES_RETRY_QUEUE: `images.retry.bench-${run}`,
    IMAGES_DEAD_QUEUE: `images.dead.bench-${run}`,
    STORAGE_DIR: storage,
    URL_SIGNING_SECRET: `bench-secret-${run}`,
    // The bench measures speed, not the rate limits.
    SIGNUP_RATE_LIMIT: '1000000',
    UPLOAD_RATE_LIMIT: '1000000',
    LOG_LEVEL: 'warn',
  };
  const children = [];
  return {
    db,
    env,
    redisUrl: REDIS_URL,
    prefix,
    /** Starts `app` (api, worker, notifier) from dist/ on a free port and waits for /health/ready. */
    async start(app, extraEnv = {}) {
      const port = await freePort();
      const portVar = { api: 'API_PORT', worker: 'WORKER_HTTP_PORT', notifier: 'NOTIFIER_HTTP_PORT' }[app];
      // BENCH_NODE_ARGS: flags for the apps' node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where one spends its time
      const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), join(ROOT, `dist/apps/${app}/src/main.js`)], {
        cwd: ROOT,
        env: { ...env, API_HOST: '127.0.0.1', ...extraEnv, [portVar]: String(port) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      const base = `http://127.0.0.1:${port}`;
      await until(`${app} to be ready`, () => fetch(`${base}/health/ready`).then((r) => r.ok, () => false), 60_000);
      return { child, base };
    },
    /** SIGTERM to an app `start` returned, resolving once it has exited. */
    stop,
    async close() {
      await Promise.all(children.map((child) => stop({ child })));
      await db.end().catch(() => undefined);
      // The api declares the images topology at start: take it away with the rest.
      const amqp = await connect(RABBITMQ_URL);
      const channel = await amqp.createChannel();
      for (const queue of [env.IMAGES_QUEUE, env.IMAGES_RETRY_QUEUE, env.IMAGES_DEAD_QUEUE]) await channel.deleteQueue(queue);
      await channel.deleteExchange(env.IMAGES_EXCHANGE);
      await amqp.close();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      const redis = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

/**
 * POSTs a photo as multipart/form-data (its part named `file`, as the api and the web page name it) with node:http
 * over kept-alive connections, the body written as three buffers with no copy. The load generator runs on the cores
 * the bench measures: fetch with FormData cost 16 ms of CPU per 3 MB upload here, more than the api's 12, and that
 * CPU would be taken from the pipeline being measured. `post` resolves to { status, body (text) }.
 */
function photoPoster(maxSockets = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const boundary = `darkroom-bench-${randomBytes(8).toString('hex')}`;
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    post(url, photo, { name = 'photo.jpg', type = 'image/jpeg', headers = {} } = {}) {
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`);
      return new Promise((ok, fail) => {
        const request = http.request(url, {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + photo.length + tail.length },
        });
        request.once('error', fail);
        request.once('response', (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.once('end', () => ok({ status: response.statusCode, body: Buffer.concat(chunks).toString() }));
          response.once('error', fail);
        });
        request.write(head);
        request.write(photo);
        request.end(tail);
      });
    },
    /** An upload to the api at `base` as the user `token` belongs to: its id (anything but a 202 throws). */
    async upload(base, token, photo, name = 'photo.jpg') {
      const response = await this.post(`${base}/v1/uploads`, photo, { name, headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 202) throw new Error(`bench: upload → ${response.status} ${response.body}`);
      return JSON.parse(response.body).id;
    },
    close: () => agent.destroy(),
  };
}

/** A new user of the api at `base`: { id, token }. */
async function signUp(base, handle) {
  const response = await fetch(`${base}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle }) });
  if (response.status !== 201) throw new Error(`bench: sign-up of ${handle} → ${response.status} ${await response.text()}`);
  const { id, token } = await response.json();
  return { id, token };
}

/** For a bench part run on its own (`node bench/<part>.js`): prints the rows `rows` resolves to as a table, without notes. */
function printRows(rows) {
  return Promise.resolve(rows).then(
    (resolved) => console.table(resolved.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'note')))),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

module.exports = { benchEnvironment, cpuMs, median, peakRssMb, percentile, photoPoster, printRows, serviceCpuMs, signUp, until };

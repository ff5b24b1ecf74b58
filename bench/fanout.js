// bench/fanout: one upload by a user with 100,000 followers, through the real notifier (a child process,
// the built app), against a bare INSERT … SELECT of the same 100,000 rows into the same table, in the same run.
// Measures the time from `done` (the upload event handed to the notifier's queue, as the worker's relay
// does) to the last notification row, and the notifier's peak RSS (VmHWM).
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('pg');
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');
const { runMigrations } = require('../dist/libs/database/src');

const ROOT = resolve(__dirname, '..');
const PG = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

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

async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`bench/fanout: timed out waiting for ${what}`);
    await sleep(10);
  }
}

function peakRssMb(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** A database of its own with `followers` users following one star; returns the pieces the rounds need. */
async function seed(db, followers) {
  const { rows: [star] } = await db.query(`INSERT INTO users (handle, api_token_hash) VALUES ('bench_star', md5(random()::text)) RETURNING id`);
  await db.query(
    `WITH fans AS (
       INSERT INTO users (handle, api_token_hash) SELECT 'fan_' || n, md5(n::text || random()::text) FROM generate_series(1, $1::int) n RETURNING id)
     INSERT INTO follows (follower_id, followee_id) SELECT id, $2 FROM fans`,
    [followers, star.id],
  );
  await db.query('ANALYZE');
  return star.id;
}

async function doneUpload(db, ownerId) {
  const id = randomUUID();
  await db.query(
    `INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, processed_at)
     VALUES ($1, $2, $3, 'image/jpeg', 1, 'x', 'done', now())`,
    [id, ownerId, `originals/2026/01/${id}`],
  );
  return id;
}

const countPosted = async (db, uploadId) =>
  Number((await db.query(`SELECT count(*) AS n FROM notifications WHERE upload_id = $1 AND kind = 'followee.posted'`, [uploadId])).rows[0].n);

/** Rows for bench/results.json: fan-out time and peak RSS. `rounds` of each, medians. */
async function fanOutRows({ followers = 100_000, rounds = 3 } = {}) {
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `darkroom_bench_${run}`;
  const admin = new Client({ connectionString: `${PG}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = `${PG}/${dbName}`;
  const storage = mkdtempSync(join(tmpdir(), 'darkroom-bench-fanout-'));
  const prefix = `darkroom-bench-${run}`;
  let notifier;
  const db = new Client({ connectionString: databaseUrl });
  try {
    await runMigrations(databaseUrl);
    await db.connect();
    const star = await seed(db, followers);

    const port = await freePort();
    notifier = spawn(process.execPath, [join(ROOT, 'dist/apps/notifier/src/main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, REDIS_URL, REDIS_PREFIX: prefix, STORAGE_DIR: storage, NOTIFIER_HTTP_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await until('the notifier to be ready', () => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false), 60_000);
    const queue = new Queue('notifications', { connection: { url: REDIS_URL }, prefix });

    const ours = [];
    const bare = [];
    for (let round = 0; round < rounds; round++) {
      // Ours: the job the worker's outbox relay adds when the upload is done, then every page of the flow.
      const uploadId = await doneUpload(db, star);
      const started = performance.now();
      await queue.add('upload.processed', { version: 1, uploadId, ownerId: star, requestId: `bench-${round}` }, { jobId: `upload-${uploadId}-processed` });
      await until('every follower to be notified', async () => (await countPosted(db, uploadId)) >= followers, 120_000);
      ours.push(performance.now() - started);

      // Bare: the same rows in one statement, no queue, no cache, no push.
      const bareId = await doneUpload(db, star);
      const bareStart = performance.now();
      await db.query(
        `INSERT INTO notifications (user_id, kind, upload_id, actor_id) SELECT follower_id, 'followee.posted', $1, $2 FROM follows WHERE followee_id = $2`,
        [bareId, star],
      );
      bare.push(performance.now() - bareStart);
    }
    const rss = peakRssMb(notifier.pid);
    await queue.close();
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const oursMs = median(ours);
    const bareMs = median(bare);
    return [
      {
        name: 'fanout-100k-followers',
        value: Math.round(oursMs),
        unit: 'ms',
        baseline: Math.round(bareMs),
        ratio: +(oursMs / bareMs).toFixed(2),
        goal: 2,
        met: oursMs / bareMs <= 2 && oursMs < 10_000,
        note: `from done to the last of ${followers} followee.posted rows through the notifier (goal also < 10 s) vs one bare INSERT … SELECT of the same rows; median of ${rounds}`,
      },
      {
        name: 'fanout-notifier-peak-rss',
        value: Math.round(rss),
        unit: 'MB',
        baseline: null,
        ratio: null,
        goal: 250,
        met: rss <= 250,
        note: `the notifier's peak resident memory (VmHWM) over ${rounds} fan-outs of ${followers} followers`,
      },
    ];
  } finally {
    if (notifier && notifier.exitCode === null) {
      notifier.kill('SIGTERM');
      await new Promise((ok) => notifier.once('exit', ok));
    }
    await db.end().catch(() => undefined);
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
  }
}

module.exports = { fanOutRows };

if (require.main === module) {
  fanOutRows({ rounds: Number(process.argv[2] ?? 3) }).then(
    (rows) => console.table(rows.map((r) => ({ name: r.name, value: r.value, unit: r.unit, baseline: r.baseline, ratio: r.ratio, goal: r.goal, met: r.met }))),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

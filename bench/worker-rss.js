// bench/worker-rss: the peak resident memory (VmHWM) of the real worker (built app, a child process, at its default
// WORKER_CONCURRENCY, with the Dockerfile's MALLOC_ARENA_MAX) while it develops 24 MP photos uploaded through the
// real api, against the local Postgres, Redis and RabbitMQ (a database, prefix and queues of its own).
'use strict';
const { readFileSync } = require('node:fs');
const { benchEnvironment, peakRssMb, photoPoster, signUp, until } = require('./harness');
const { dockerfileEnv } = require('./peers');

/** Rows: the worker's peak RSS over `count` uploads of `photoPath` (all queued at once), and its idle RSS. */
async function workerRssRows(photoPath, { count = 12, label = '24 MP JPEG', env, name = 'worker-24mp-peak-rss' } = {}) {
  const bench = await benchEnvironment('workerrss');
  const poster = photoPoster(1);
  try {
    const api = await bench.start('api');
    const arena = dockerfileEnv('MALLOC_ARENA_MAX');
    const workerEnv = env ?? (arena ? { MALLOC_ARENA_MAX: arena } : {});
    const worker = await bench.start('worker', workerEnv);
    const idleMb = peakRssMb(worker.child.pid);
    const { token } = await signUp(api.base, 'bench_rss');
    const data = readFileSync(photoPath);
    const started = Date.now();
    const ids = [];
    for (let i = 0; i < count; i++) ids.push(await poster.upload(api.base, token, data, `photo-${i}.jpg`));
    await until(`${count} uploads to be developed`, async () => {
      const { rows } = await bench.db.query(`SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed FROM uploads WHERE id = ANY($1)`, [ids]);
      if (Number(rows[0].failed) > 0) throw new Error('bench: an upload failed');
      return Number(rows[0].done) === count;
    }, 300_000);
    const seconds = (Date.now() - started) / 1000;
    const peakMb = peakRssMb(worker.child.pid);
    return [
      {
        name,
        value: Math.round(peakMb),
        unit: 'MB',
        baseline: null,
        ratio: null,
        goal: env ? null : '≤ 250 MB',
        met: env ? null : peakMb <= 250,
        note: `the worker (dist/, default WORKER_CONCURRENCY, ${env ? JSON.stringify(env) : `MALLOC_ARENA_MAX=${arena ?? 'unset'}`}) developing ${count} ${label} uploads queued at once through the api, ${(count / seconds).toFixed(2)} photos/s end to end; idle ${Math.round(idleMb)} MB`,
      },
    ];
  } finally {
    poster.close();
    await bench.close();
  }
}

module.exports = { workerRssRows };

if (require.main === module) require('./photos').runAloneWith('jpeg-24mp', (path) => workerRssRows(path));

// bench/latency: p99 of `GET /v1/uploads/:id` through the real api while a worker develops a backlog of 12 MP
// photos (both cores busy), against the same requests while the worker is idle, in this run.
'use strict';
const { readFileSync } = require('node:fs');
const { benchEnvironment, percentile, photoPoster, signUp, until } = require('./harness');

const REQUESTS = 400;
const CLIENTS = 4;
const BACKLOG = 40;

/** `REQUESTS` GETs of one upload by `CLIENTS` clients at once: their latencies (ms). */
async function reads(url, token) {
  const latencies = [];
  let next = 0;
  const client = async () => {
    while (next < REQUESTS) {
      next++;
      const begun = process.hrtime.bigint();
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`bench: GET ${url} → ${response.status}`);
      latencies.push(Number(process.hrtime.bigint() - begun) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return latencies;
}

/** `photoPath`: the 12 MP JPEG of bench/photos. */
async function latencyRows(photoPath) {
  const bench = await benchEnvironment('latency');
  const poster = photoPoster(4);
  try {
    const photo = readFileSync(photoPath);
    const api = await bench.start('api');
    let worker = await bench.start('worker');
    const { token } = await signUp(api.base, 'bench_latency');
    const upload = () => poster.upload(api.base, token, photo, 'latency.jpg');
    const pending = async (ids) => Number((await bench.db.query(`SELECT count(*) AS n FROM uploads WHERE id = ANY($1) AND status <> 'done'`, [ids])).rows[0].n);
    const probe = await upload();
    await until('the first photo to be developed', async () => (await pending([probe])) === 0, 60_000);
    const url = `${api.base}/v1/uploads/${probe}`;
    await reads(url, token); // warm-up
    const idle = percentile(await reads(url, token), 99);

    /** p99 of the reads while the worker develops a backlog; the figure counts only if photos were still waiting when they ended. */
    const underLoad = async () => {
      const backlog = [];
      for (let i = 0; i < BACKLOG; i++) backlog.push(await upload());
      await until('the worker to be busy', async () => (await pending(backlog)) < BACKLOG, 60_000);
      const busy = percentile(await reads(url, token), 99);
      const left = await pending(backlog);
      if (left === 0) throw new Error('bench: the backlog was developed before the reads under load ended; raise BACKLOG');
      return { busy, left };
    };
    const niced = await underLoad();
    // The same with the worker at the api's priority: what WORKER_NICE buys.
    await bench.stop(worker);
    worker = await bench.start('worker', { WORKER_NICE: '0' });
    const unniced = await underLoad();

    const row = (name, { busy, left }, goal, nice) => ({
      name,
      value: +busy.toFixed(1),
      unit: 'ms',
      baseline: +idle.toFixed(1),
      ratio: +(busy / idle).toFixed(2),
      goal: goal ? '≤ 2' : null,
      met: goal ? busy / idle <= 2 : null,
      note: `p99 of ${REQUESTS} GET /v1/uploads/:id (${CLIENTS} clients) while a worker (WORKER_NICE=${nice}) develops a backlog of ${BACKLOG} 12 MP photos (${left} still waiting when the reads ended) vs the same with the worker idle`,
    });
    return [row('get-upload-p99-under-load', niced, true, '10, its default'), row('get-upload-p99-under-load-nice-0', unniced, false, '0 (record)')];
  } finally {
    poster.close();
    await bench.close();
  }
}

module.exports = { latencyRows };

if (require.main === module) require('./photos').runAloneWith('jpeg-12mp', latencyRows);

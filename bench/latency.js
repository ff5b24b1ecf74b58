// bench/latency: p99 of `GET /v1/uploads/:id` through the real api while a worker develops a backlog of 12 MP
// photos (both cores busy), against the same requests while the worker is idle, in this run.
'use strict';
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { benchEnvironment, percentile, until } = require('./harness');

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
  try {
    const photo = readFileSync(photoPath);
    const api = await bench.start('api');
    await bench.start('worker');
    const signup = await fetch(`${api.base}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'bench_latency' }) });
    const { token } = await signup.json();
    const upload = async () => {
      const form = new FormData();
      form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'latency.jpg');
      const response = await fetch(`${api.base}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      if (response.status !== 202) throw new Error(`bench: upload → ${response.status}`);
      return (await response.json()).id;
    };
    const pending = async (ids) => Number((await bench.db.query(`SELECT count(*) AS n FROM uploads WHERE id = ANY($1) AND status <> 'done'`, [ids])).rows[0].n);
    const probe = await upload();
    await until('the first photo to be developed', async () => (await pending([probe])) === 0, 60_000);
    const url = `${api.base}/v1/uploads/${probe}`;
    await reads(url, token); // warm-up
    const idle = await reads(url, token);
    const backlog = [];
    for (let i = 0; i < BACKLOG; i++) backlog.push(await upload());
    await until('the worker to be busy', async () => (await pending(backlog)) < BACKLOG, 60_000);
    const busy = await reads(url, token);
    const left = await pending(backlog);
    // The busy figure only counts if the worker still had photos to develop when the reads ended.
    if (left === 0) throw new Error('bench: the backlog was developed before the reads under load ended; raise BACKLOG');
    const [p99Idle, p99Busy] = [percentile(idle, 99), percentile(busy, 99)];
    const ratio = +(p99Busy / p99Idle).toFixed(2);
    return [
      {
        name: 'get-upload-p99-under-load',
        value: +p99Busy.toFixed(1),
        unit: 'ms',
        baseline: +p99Idle.toFixed(1),
        ratio,
        goal: '≤ 2',
        met: ratio <= 2,
        note: `p99 of ${REQUESTS} GET /v1/uploads/:id (${CLIENTS} clients) while the worker develops a backlog of ${BACKLOG} 12 MP photos (${left} still waiting when the reads ended) vs the same with the worker idle`,
      },
    ];
  } finally {
    await bench.close();
  }
}

module.exports = { latencyRows };

if (require.main === module) {
  const dir = mkdtempSync(join(tmpdir(), 'darkroom-bench-latency-'));
  require('./photos')
    .makePhotos(dir)
    .then((photos) => latencyRows(photos.find((p) => p.name === 'jpeg-12mp').path))
    .then(
      (rows) => console.table(rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'note')))),
      (error) => {
        console.error(error);
        process.exitCode = 1;
      },
    )
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}

// bench/end-to-end: photos per second from the first `POST /v1/uploads` to the last `done`, through the real api and
// 1, 2 and 4 worker processes (dist/, default WORKER_CONCURRENCY, the Dockerfile's MALLOC_ARENA_MAX), against the
// renderer alone in a loop with both cores busy (bench/renderer's `ours` way, same settings), all in this run.
// Rounds are taken in turn (bare, 1, 2, 4, then 4, 2, 1, bare, …) so that load from elsewhere falls on every row alike.
'use strict';
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { benchEnvironment, cpuMs, median, photoPoster, serviceCpuMs, signUp, until } = require('./harness');
const { CORES, ways } = require('./peers');
const { inChild } = require('./renderer');

const WORKER_COUNTS = [1, 2, 4];
// 48: with 24 the pipeline's fill (the first upload) and drain (the last photos on one core) were 5% of a batch
const PHOTOS = Number(process.env.BENCH_E2E_PHOTOS ?? 48);
const ROUNDS = Number(process.env.BENCH_E2E_ROUNDS ?? 3);
const UPLOAD_CLIENTS = 4;

/** CPU used so far (ms) by the api, the workers, this process (the uploading client) and the services. */
function cpuShares(api, workers) {
  const own = process.cpuUsage();
  return { api: cpuMs(api.child.pid), workers: workers.reduce((sum, w) => sum + cpuMs(w.child.pid), 0), client: (own.user + own.system) / 1000, ...serviceCpuMs() };
}

const perPhoto = (before, after) => Object.fromEntries(Object.keys(after).map((part) => [part, (after[part] - before[part]) / PHOTOS]));

async function endToEndRows(photoPath) {
  const photo = readFileSync(photoPath);
  const scratch = mkdtempSync(join(tmpdir(), 'darkroom-bench-e2e-'));
  const bench = await benchEnvironment('e2e');
  const poster = photoPoster(UPLOAD_CLIENTS);
  try {
    const api = await bench.start('api');
    const { token } = await signUp(api.base, 'bench_e2e');
    const upload = () => poster.upload(api.base, token, photo, 'e2e.jpg');
    /**
     * `count` uploads by UPLOAD_CLIENTS clients at once, then waits until every one is `done`: photos/s. The end is
     * the last `processed_at` (the database's clock is this machine's), so the wait can poll slowly: a query every
     * 10 ms was a few percent of Postgres' CPU, taken from the pipeline being measured.
     */
    const batch = async (count) => {
      const ids = [];
      const begun = Date.now();
      let started = 0;
      await Promise.all(
        Array.from({ length: UPLOAD_CLIENTS }, async () => {
          while (started < count) {
            started++; // before the await: the other clients see it
            ids.push(await upload());
          }
        }),
      );
      const states = async () => (await bench.db.query(`SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed, max(processed_at) AS last FROM uploads WHERE id = ANY($1)`, [ids])).rows[0];
      const { last } = await until(`${count} photos to be done`, async () => {
        const state = await states();
        if (Number(state.failed) > 0) throw new Error(`bench: ${state.failed} of the end-to-end photos failed`);
        return Number(state.done) === count && state;
      }, 300_000, 200);
      return (count * 1000) / (last.getTime() - begun);
    };

    const rates = Object.fromEntries(['bare', ...WORKER_COUNTS].map((key) => [key, []]));
    const cpu = Object.fromEntries(['bare', ...WORKER_COUNTS].map((key) => [key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = ['bare', ...WORKER_COUNTS];
      for (const key of round % 2 ? order.reverse() : order) {
        if (key === 'bare') {
          const s = await inChild('ours', { mode: 'speed', paths: [photoPath], count: PHOTOS, inflight: CORES, scratch }, ways.ours.env());
          rates.bare.push(s.photosPerSecond);
          cpu.bare.push({ renderer: 1000 / s.photosPerCpuSecond });
          continue;
        }
        const workers = await Promise.all(Array.from({ length: key }, () => bench.start('worker', ways.ours.env())));
        await batch(2 * key); // warm-up: every worker has developed a photo before the clock starts
        const before = cpuShares(api, workers);
        rates[key].push(await batch(PHOTOS));
        cpu[key].push(perPhoto(before, cpuShares(api, workers)));
        await Promise.all(workers.map((worker) => bench.stop(worker)));
      }
      console.log(`end-to-end: round ${round + 1}/${ROUNDS} photos/s ${Object.entries(rates).map(([key, r]) => `${key === 'bare' ? 'bare loop' : `${key} workers`} ${r[round].toFixed(2)}`).join(', ')}`);
    }

    // each round's ratio against the bare loop of the same round, then the median over the rounds
    const vsBare = (key) => median(rates[key].map((rate, i) => rate / rates.bare[i]));
    const best = WORKER_COUNTS.reduce((a, b) => (vsBare(b) > vsBare(a) ? b : a));
    const worst = WORKER_COUNTS.reduce((a, b) => (vsBare(b) < vsBare(a) ? b : a));
    const fixed = (x) => +x.toFixed(2);
    const rows = WORKER_COUNTS.map((n) => ({
      name: `e2e-${n}-worker${n > 1 ? 's' : ''}-vs-bare-loop`,
      value: fixed(median(rates[n])),
      unit: 'photos/s',
      baseline: fixed(median(rates.bare)),
      ratio: fixed(vsBare(n)),
      goal: null,
      met: null,
      note: `${PHOTOS} 12 MP JPEGs POSTed by ${UPLOAD_CLIENTS} clients to the api, developed by ${n} worker process${n > 1 ? 'es' : ''}, first POST to last done; rounds ${rates[n].map(fixed).join(', ')} vs the bare loop's ${rates.bare.map(fixed).join(', ')}`,
    }));
    rows.push({
      name: 'e2e-best-vs-bare-loop',
      value: fixed(median(rates[best])),
      unit: 'photos/s',
      baseline: fixed(median(rates.bare)),
      ratio: fixed(vsBare(best)),
      goal: '≥ 0.9',
      met: vsBare(best) >= 0.9,
      note: `the best worker count (${best}) against the renderer alone in a loop, ${CORES} photos in flight, same settings`,
    });
    // Where the CPU of one photo goes, in the best worker count's rounds (medians), against the bare loop's renderer.
    const share = (key, part) => Math.round(median(cpu[key].map((c) => c[part])));
    const parts = ['workers', 'api', 'client', 'postgres', 'rabbitmq', 'redis'];
    const total = (key) => Math.round(median(cpu[key].map((c) => parts.reduce((sum, part) => sum + c[part], 0))));
    rows.push({
      name: 'e2e-cpu-ms-per-photo',
      value: total(best),
      unit: 'ms',
      baseline: share('bare', 'renderer'),
      ratio: fixed(total(best) / share('bare', 'renderer')),
      goal: null,
      met: null,
      note: `(record) CPU time per photo with ${best} worker${best > 1 ? 's' : ''}: ${parts.map((part) => `${part === 'client' ? "the bench's uploading client" : part} ${share(best, part)} ms`).join(', ')}; the bare loop's renderer ${share('bare', 'renderer')} ms`,
    });
    rows.push({
      name: 'e2e-worst-vs-best',
      value: fixed(median(rates[worst])),
      unit: 'photos/s',
      baseline: fixed(median(rates[best])),
      ratio: fixed(vsBare(worst) / vsBare(best)),
      goal: '≥ 0.9',
      met: vsBare(worst) / vsBare(best) >= 0.9,
      note: `the worst worker count (${worst}) against the best (${best}): too many libvips threads or photos in flight would show here`,
    });
    return rows;
  } finally {
    poster.close();
    await bench.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = { endToEndRows };

if (require.main === module) require('./photos').runAloneWith('jpeg-12mp', endToEndRows);

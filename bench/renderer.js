// bench/renderer: the renderer against its peers and its ceiling, each in the same run and each in a child
// process of its own (sharp's settings are global to a process). For every way (bench/peers.js):
//   photos/s on a 12 MP JPEG with CORES photos in flight (both cores busy), median of ROUNDS rounds taken in turn
//   (way A, B, C, …, then C, B, A, …), so that load from elsewhere on the machine falls on every row alike; a ratio
//   is the median of the rounds' ratios;
//   output bytes and PSNR of each variant (bench/quality.js) over the four generated photos (bench/photos.js).
// And the peak RSS of ours on 24 MP photos at the worker's default concurrency.
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const RENDER_ROUNDS = Number(process.env.BENCH_RENDER_ROUNDS ?? 5);
const PHOTOS_PER_ROUND = Number(process.env.BENCH_RENDER_PHOTOS ?? 8);
// BENCH_RENDER_TRY='{"ours-effort4":{"WEBP_EFFORT":"4"}}' adds rows of ours with those variables set: settings compared in one run.
const TRIES = JSON.parse(process.env.BENCH_RENDER_TRY ?? '{}');

// ---- child: one way, one job, a JSON line on stdout ------------------------------------------------------
async function child(wayName, job) {
  const { ways } = require('./peers');
  const render = ways[wayName].setup();
  const peak = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
  let slot = 0;
  const outDir = () => {
    const dir = join(job.scratch, `slot-${slot++ % 64}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  if (job.mode === 'outputs') {
    const photos = [];
    for (const path of job.paths) {
      const variants = await render(path, outDir());
      photos.push({ path, variants: variants.map((v) => ({ variant: v.variant, file: save(job.scratch, path, v), bytes: v.data.length })) });
    }
    return { photos };
  }
  // speed: `inflight` photos at a time until `count` are done; one warm-up per slot first
  await Promise.all(Array.from({ length: job.inflight }, (_, i) => render(job.paths[i % job.paths.length], outDir())));
  let next = 0;
  const cpuBefore = cpuSeconds();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: job.inflight }, async () => {
      for (let i = next++; i < job.count; i = next++) await render(job.paths[i % job.paths.length], outDir());
    }),
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = cpuSeconds() - cpuBefore;
  return { ms, photos: job.count, photosPerSecond: (job.count * 1000) / ms, photosPerCpuSecond: job.count / cpu, peakRssMb: peak() };
}

/**
 * CPU time of this process and of the children it has waited for (ImageMagick, vipsthumbnail), from /proc/self/stat
 * in clock ticks (100 a second on Linux). Unlike wall time it hardly changes when other work shares the cores.
 */
function cpuSeconds() {
  const { readFileSync } = require('node:fs');
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

function save(scratch, path, v) {
  const file = join(scratch, `${path.split('/').pop()}.${v.variant}.out`);
  writeFileSync(file, v.data);
  return file;
}

// ---- parent ------------------------------------------------------------------------------------------------
function inChild(wayName, job, env = {}) {
  return new Promise((ok, fail) => {
    const proc = spawn(process.execPath, [__filename, 'child', wayName, JSON.stringify(job)], {
      env: { ...process.env, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('error', fail);
    proc.on('exit', (code) => (code === 0 ? ok(JSON.parse(out.trim().split('\n').pop())) : fail(new Error(`bench: ${wayName} ${job.mode} exited ${code}`))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Measures every way; returns { ways: { name: { photosPerSecond, rounds, bytes, psnr, variants } }, skipped, rss }. */
async function measureRenderers({ log = console.log, withPhotos } = {}) {
  const { ways, CORES, workerConfig } = require('./peers');
  const workerConcurrency = workerConfig({}).worker.concurrency; // WORKER_CONCURRENCY's default
  const { makePhotos } = require('./photos');
  const { psnr } = require('./quality');
  const dir = mkdtempSync(join(tmpdir(), 'darkroom-bench-render-'));
  try {
    const started = Date.now();
    const photos = await makePhotos(dir);
    log(`renderer: generated ${photos.map((p) => `${p.name} (${p.displayed} displayed)`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // BENCH_RENDER_ONLY=ours,immich: only those ways (for experiments; the goal rows need ours, immich, imagemagick, ceiling)
    const names = Object.keys(ways).filter((name) => !process.env.BENCH_RENDER_ONLY || process.env.BENCH_RENDER_ONLY.split(',').includes(name));
    const skipped = {};
    for (const name of names) {
      const why = ways[name].missing?.();
      if (why) {
        skipped[name] = why;
        log(`renderer: skipping the ${name} row: ${why}`);
      }
    }
    const rowsOf = { ...Object.fromEntries(names.filter((name) => !skipped[name]).map((name) => [name, { way: name, env: ways[name].env?.() }])) };
    for (const [name, env] of Object.entries(TRIES)) rowsOf[name] = { way: 'ours', env: { ...ways.ours.env(), ...env }, describe: `ours with ${JSON.stringify(env)}` };
    const present = Object.keys(rowsOf);
    const results = Object.fromEntries(present.map((name) => [name, { describe: rowsOf[name].describe ?? ways[rowsOf[name].way].describe, rounds: [], cpuRounds: [] }]));
    const scratch = (name) => {
      const path = join(dir, `out-${name}-${Math.random().toString(36).slice(2)}`);
      mkdirSync(path);
      return path;
    };
    // bytes and quality, over all four photos
    for (const name of present.filter((n) => ways[rowsOf[n].way].quality !== false)) {
      const { photos: outputs } = await inChild(rowsOf[name].way, { mode: 'outputs', paths: photos.map((p) => p.path), scratch: scratch(name) }, rowsOf[name].env);
      const r = results[name];
      r.bytes = 0;
      r.variants = {};
      const dbs = [];
      for (const [i, photo] of outputs.entries()) {
        for (const v of photo.variants) {
          const fit = v.variant === 'thumb' ? 'cover' : 'inside';
          const db = await psnr(photo.path, fit, readFileSync(v.file));
          r.bytes += v.bytes;
          dbs.push(db);
          r.variants[`${photos[i].name}/${v.variant}`] = { bytes: v.bytes, psnr: +db.toFixed(2) };
        }
      }
      r.psnr = dbs.reduce((a, b) => a + b, 0) / dbs.length;
    }
    // speed, on the 12 MP JPEG, CORES photos in flight; rounds taken in turn
    const jpeg12 = photos.find((p) => p.name === 'jpeg-12mp').path;
    // every other round in reverse order, so that a load rising or falling through a round favours no row
    for (let round = 0; round < RENDER_ROUNDS; round++) {
      for (const name of round % 2 ? [...present].reverse() : present) {
        const s = await inChild(rowsOf[name].way, { mode: 'speed', paths: [jpeg12], count: PHOTOS_PER_ROUND, inflight: CORES, scratch: scratch(name) }, rowsOf[name].env);
        results[name].rounds.push(+s.photosPerSecond.toFixed(2));
        results[name].cpuRounds.push(+s.photosPerCpuSecond.toFixed(2));
      }
      log(`renderer: round ${round + 1}/${RENDER_ROUNDS} photos/s ${present.map((n) => `${n} ${results[n].rounds[round]}`).join(', ')}`);
    }
    for (const name of present) {
      results[name].photosPerSecond = median(results[name].rounds);
      results[name].photosPerCpuSecond = median(results[name].cpuRounds);
    }
    // memory: ours on the 24 MP JPEG at the worker's default concurrency (the renderer in a child, not the whole worker)
    const jpeg24 = photos.find((p) => p.name === 'jpeg-24mp').path;
    const rss = await inChild('ours', { mode: 'speed', paths: [jpeg24], count: 12, inflight: workerConcurrency, scratch: scratch('rss') }, ways.ours.env());
    rss.inflight = workerConcurrency;
    log(`renderer: ours on 24 MP, ${workerConcurrency} in flight: ${rss.photosPerSecond.toFixed(2)} photos/s, peak RSS ${rss.peakRssMb.toFixed(0)} MB`);
    // whatever else needs the photos (the whole worker's RSS, bench/worker-rss.js), before they are removed
    const extraRows = withPhotos ? await withPhotos(photos) : [];
    return { extraRows, ways: results, skipped, rss24: rss, cores: CORES, photos: photos.map(({ name, displayed }) => ({ name, displayed })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table rows: ours against each goal, then every way for comparison. */
function rendererRows(m) {
  const ours = m.ways.ours;
  const rows = [];
  const missing = (name) => !m.ways[name] && `${name} row skipped: ${m.skipped[name]}`;
  const speed = (peer, goal, note) => {
    if (missing(peer)) return rows.push({ name: `render-12mp-vs-${peer}`, value: null, unit: 'photos/s', baseline: null, ratio: null, goal: goal && `≥ ${goal}`, met: null, note: missing(peer) });
    // the median of each round's ratio: the two were measured minutes apart at most, under the same load
    const ratio = median(ours.rounds.map((x, i) => x / m.ways[peer].rounds[i]));
    // the same in photos per CPU-second: a check on the wall-clock ratio when the machine is shared
    const cpuRatio = ours.photosPerCpuSecond / m.ways[peer].photosPerCpuSecond;
    rows.push({ name: `render-12mp-vs-${peer}`, value: ours.photosPerSecond, unit: 'photos/s', baseline: m.ways[peer].photosPerSecond, ratio: +ratio.toFixed(2), goal: goal && `≥ ${goal}`, met: goal ? ratio >= goal : null, cpuRatio: +cpuRatio.toFixed(2), note: `${note}; per CPU-second ${ours.photosPerCpuSecond} vs ${m.ways[peer].photosPerCpuSecond} (ratio ${cpuRatio.toFixed(2)})` });
  };
  speed('immich', 1.4, `ours vs ${m.ways.immich?.describe}`);
  speed('imagemagick', 2.5, `ours vs ${m.ways.imagemagick?.describe ?? 'ImageMagick'}`);
  speed('ceiling', 0.5, `ours vs ${m.ways.ceiling?.describe}`);
  const im = m.ways.immich;
  const bytesRatio = ours.bytes / im.bytes;
  rows.push({ name: 'render-bytes-vs-immich', value: ours.bytes, unit: 'B', baseline: im.bytes, ratio: +bytesRatio.toFixed(3), goal: '≤ 1.08', met: bytesRatio <= 1.08, note: 'all variants of the 4 photos' });
  const dB = ours.psnr - im.psnr;
  rows.push({ name: 'render-psnr-vs-immich', value: +ours.psnr.toFixed(2), unit: 'dB', baseline: +im.psnr.toFixed(2), ratio: +dB.toFixed(2), goal: 'ratio = dB difference ≥ −0.5', met: dB >= -0.5, note: 'mean PSNR of the 12 variants vs a lanczos3 resize of the full decode' });
  rows.push(...m.extraRows);
  rows.push({ name: 'render-24mp-peak-rss', value: Math.round(m.rss24.peakRssMb), unit: 'MB', baseline: null, ratio: null, goal: null, met: null, note: `ours in a child process, ${m.rss24.inflight} photos in flight (WORKER_CONCURRENCY's default) (the renderer alone, for comparison with the whole worker's row)` });
  // every way for the record, against the Immich way: photos/s ratio, with its bytes and PSNR (columns of their own)
  for (const [name, w] of Object.entries(m.ways)) {
    const vs = w.bytes === undefined ? '' : `; bytes ${w.bytes} (${(w.bytes / im.bytes).toFixed(3)}× Immich's), PSNR ${w.psnr.toFixed(2)} dB (${(w.psnr - im.psnr).toFixed(2)})`;
    rows.push({ name: `render-12mp-${name}`, value: w.photosPerSecond, unit: 'photos/s', baseline: im.photosPerSecond, ratio: +median(w.rounds.map((x, i) => x / im.rounds[i])).toFixed(2), goal: null, met: null, bytes: w.bytes ?? null, psnr: w.psnr === undefined ? null : +w.psnr.toFixed(2), note: `${w.describe}; rounds ${w.rounds.join(', ')}; ${w.photosPerCpuSecond} photos per CPU-second (${(w.photosPerCpuSecond / im.photosPerCpuSecond).toFixed(2)}× Immich's)${vs}` });
  }
  return rows;
}

module.exports = { inChild, measureRenderers, rendererRows };

if (require.main === module && process.argv[2] === 'child') {
  child(process.argv[3], JSON.parse(process.argv[4])).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (require.main === module) {
  // `node bench/renderer.js`: the renderer rows alone
  measureRenderers().then((m) => {
    const rows = rendererRows(m);
    console.table(rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'note'))));
    for (const row of rows) console.log(`${row.name}: ${row.note}`);
  });
}

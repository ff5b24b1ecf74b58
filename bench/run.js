#!/usr/bin/env node
// `npm run bench`: speed figures as ratios against a bare baseline measured in the same run,
// on the same machine, so they mean something across machines. Writes bench/results.json.
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir, totalmem } = require('node:os');
const { join } = require('node:path');
const sharp = require('sharp');
const { ThumbnailRenderer } = require('../dist/apps/worker/src/thumbnail-renderer');
const { fanOutRows } = require('./fanout');
const { feedRows } = require('./feed');

const ROUNDS = Number(process.argv[2] ?? 7);
const images = { maxInputPixels: 100_000_000, thumbPx: 160, smallPx: 480, largePx: 1440, webpQuality: 80 };

/** Median of `rounds` timed runs, after one warm-up. */
async function median(fn, rounds = ROUNDS) {
  await fn();
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function photo12mp(path) {
  const grain = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 88 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  writeFileSync(path, grain);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'darkroom-bench-'));
  try {
    const path = join(dir, 'photo.jpg');
    await photo12mp(path);
    const renderer = new ThumbnailRenderer({ images });

    // Baseline: the least a worker could do, one bare sharp pipeline to the largest variant.
    const bare = await median(() => sharp(path).rotate().resize(1440, 1440, { fit: 'inside' }).webp({ quality: 80 }).toBuffer());
    // What an obvious implementation does: one full pipeline per variant.
    const naive = await median(() =>
      Promise.all([
        sharp(path).rotate().resize(160, 160, { fit: 'cover' }).webp({ quality: 80 }).toBuffer(),
        sharp(path).rotate().resize(480, 480, { fit: 'inside' }).webp({ quality: 80 }).toBuffer(),
        sharp(path).rotate().resize(1440, 1440, { fit: 'inside' }).webp({ quality: 80 }).toBuffer(),
      ]),
    );
    const ours = await median(() => renderer.render(path));

    const row = (name, value, goal, note) => ({ name, value: Math.round(value), unit: 'ms', baseline: Math.round(bare), ratio: +(value / bare).toFixed(2), goal, met: value / bare <= goal, note });
    const results = [
      row('render-12mp-three-variants', ours, 1.5, 'ThumbnailRenderer.render (decode once, 3 webp variants) vs one bare sharp pipeline to 1440 px'),
      row('render-12mp-naive-three-pipelines', naive, null, 'for comparison: three independent sharp pipelines'),
    ];
    results[1].met = null;
    // Against real Postgres and Redis (and RabbitMQ for the api), each with a database and prefix of its own.
    results.push(...(await fanOutRows()), ...(await feedRows()));
    const report = { runAt: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, sharp: sharp.versions.sharp, vips: sharp.versions.vips }, results };
    writeFileSync(join(__dirname, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    console.table(
      results.map((r) => ({ name: r.name, value: `${r.value} ${r.unit}`, baseline: r.baseline === null ? '' : `${r.baseline} ${r.unit}`, ratio: r.ratio ?? '', goal: r.goal ?? '', met: r.met === null ? '' : r.met ? 'met' : 'NOT met' })),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

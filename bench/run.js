#!/usr/bin/env node
// `npm run bench`: speed figures as ratios against a bare baseline measured in the same run,
// on the same machine, so they mean something across machines. Writes bench/results.json.
'use strict';
const { writeFileSync } = require('node:fs');
const { cpus, loadavg, totalmem } = require('node:os');
const { join } = require('node:path');
const sharp = require('sharp');
const { measureRenderers, rendererRows } = require('./renderer');
const { workerRssRows } = require('./worker-rss');
const { fanOutRows } = require('./fanout');
const { feedRows } = require('./feed');
const { ingestRows } = require('./ingest');
const { latencyRows } = require('./latency');
const { endToEndRows } = require('./end-to-end');

async function main() {
  const started = Date.now();
  const loadBefore = loadavg()[0];
  {
    // The renderer against Immich's way, ImageMagick, vipsthumbnail and the decode ceiling (bench/renderer.js).
    // The rows that need the generated photos run while they exist: the whole worker's RSS, end to end, latency.
    // Those, and the rest, run against real Postgres, Redis and RabbitMQ, each with a database, prefix and queues of its own.
    let pipelineRows = [];
    const renderers = await measureRenderers({
      withPhotos: async (photos) => {
        const path = (name) => photos.find((p) => p.name === name).path;
        const rss = await workerRssRows(path('jpeg-24mp'));
        pipelineRows = [...(await endToEndRows(path('jpeg-12mp'))), ...(await ingestRows()), ...(await latencyRows(path('jpeg-12mp')))];
        return rss;
      },
    });
    const results = rendererRows(renderers);
    results.push(...pipelineRows, ...(await fanOutRows()), ...(await feedRows()));
    const report = { runAt: new Date(started).toISOString(), seconds: Math.round((Date.now() - started) / 1000), loadAverage1m: { before: loadBefore, after: loadavg()[0] }, machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, sharp: sharp.versions.sharp, vips: sharp.versions.vips }, results, renderers };
    writeFileSync(join(__dirname, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    console.table(
      results.map((r) => ({
        name: r.name,
        value: r.value === null ? 'skipped' : `${r.value} ${r.unit}`,
        baseline: r.baseline === null ? '' : `${r.baseline} ${r.unit}`,
        ratio: r.ratio ?? '',
        'CPU-s ratio': r.cpuRatio ?? '',
        bytes: r.bytes ?? '',
        'PSNR dB': r.psnr ?? '',
        goal: r.goal ?? '',
        met: r.met === null ? '' : r.met ? 'met' : 'NOT met',
      })),
    );
    for (const r of results.filter((row) => row.value === null)) console.log(r.note);
    console.log(`bench: ${report.seconds} s, load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (${cpus().length} cores)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

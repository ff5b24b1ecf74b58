#!/usr/bin/env node
// `node bench/markdown.js`: bench/results.json (the last `npm run bench`) as the Markdown table the README shows,
// so the README's figures are copied by a program, not by hand.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const report = JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8'));
const cell = (text) => String(text).replace(/\|/g, '\\|');
const withUnit = (value, unit) => (value === null || value === undefined ? '' : `${typeof value === 'number' ? value.toLocaleString('en') : value} ${unit}`);
console.log(`${report.runAt}, ${report.seconds} s for every row; ${report.machine.cpus} × ${report.machine.model}, ${report.machine.memGiB} GiB, Node ${report.machine.node}, sharp ${report.machine.sharp} / libvips ${report.machine.vips}; load average ${report.loadAverage1m.before.toFixed(2)} before, ${report.loadAverage1m.after.toFixed(2)} after.\n`);
console.log('| row | value | baseline | ratio | goal | met | bytes | PSNR |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of report.results) {
  const met = r.met === null || r.met === undefined ? '' : r.met ? 'met' : '**not met**';
  console.log(`| \`${r.name}\` | ${cell(r.value === null ? 'skipped' : withUnit(r.value, r.unit))} | ${cell(withUnit(r.baseline, r.unit))} | ${r.ratio ?? ''}${r.cpuRatio ? ` (CPU-s ${r.cpuRatio})` : ''} | ${cell(r.goal ?? '')} | ${met} | ${r.bytes ? r.bytes.toLocaleString('en') : ''} | ${r.psnr ? `${r.psnr} dB` : ''} |`);
}

// bench/ingest: uploads per second and p99 of `POST /v1/uploads` (a ~5 MB JPEG, 16 clients at once) through the
// real api (dist/, no workers running, so it measures the api alone), against a bare Node `http` server in a
// process of its own that streams the same multipart bodies to disk. The goal's baseline fsyncs each file before
// it answers, as the api does (a 202 means the photo survives a crash); a second bare server that leaves the bytes
// in the page cache is measured beside it, to show what that durability costs. All three are measured in this
// run, in rounds taken in turn (every other round in reverse order): how fast the disk takes a write drifts as
// dirty pages pile up, and a baseline measured only before or only after ours would carry that drift into the ratio.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const sharp = require('sharp');
const { benchEnvironment, median, percentile, photoPoster, printRows, signUp, until } = require('./harness');

const CLIENTS = 16;
const ROUNDS = 5;
const UPLOADS_PER_ROUND = 48;

/** The least a server can do with an upload: its body streamed to a file (fsynced if FLUSH=1), then 202. Run with `node -e`. */
const BARE_SERVER = `
const { createServer } = require('node:http');
const { createWriteStream } = require('node:fs');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
let n = 0;
const server = createServer((req, res) => {
  if (req.method !== 'POST') return res.writeHead(200).end('ok');
  pipeline(req, createWriteStream(join(process.env.DIR, String(n++)), { flush: process.env.FLUSH === '1' })).then(
    () => res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"queued"}'),
    () => res.writeHead(500).end(),
  );
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

/** A ~5 MB JPEG of grain: real bytes the api probes as an image. */
async function fiveMegabyteJpeg() {
  return sharp({ create: { width: 3300, height: 2500, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg({ quality: 92 }).toBuffer();
}

/** `uploads` POSTs of `photo` by `CLIENTS` clients at once: uploads/s and latencies (ms). */
async function load(url, photo, headers = {}, uploads = UPLOADS_PER_ROUND) {
  const poster = photoPoster(CLIENTS);
  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const client = async () => {
    while (next < uploads) {
      next++;
      const begun = process.hrtime.bigint();
      const response = await poster.post(url, photo, { name: 'ingest.jpg', headers });
      if (response.status !== 202) throw new Error(`bench: POST ${url} → ${response.status} ${response.body}`);
      latencies.push(Number(process.hrtime.bigint() - begun) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  poster.close();
  return { perSecond: uploads / seconds, latencies };
}

async function bareServer(dir, flush) {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { env: { PATH: process.env.PATH, DIR: dir, FLUSH: flush ? '1' : '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((ok, fail) => {
    child.stdout.once('data', (chunk) => ok(Number(String(chunk).trim())));
    child.once('exit', (code) => fail(new Error(`bench: the bare server exited (${code})`)));
  });
  const url = `http://127.0.0.1:${port}/upload`;
  await until('the bare server', () => fetch(url).then((r) => r.ok, () => false), 10_000);
  return { child, url };
}

async function ingestRows() {
  const photo = await fiveMegabyteJpeg();
  const bench = await benchEnvironment('ingest');
  const dirs = [mkdtempSync(join(tmpdir(), 'darkroom-bench-bare-')), mkdtempSync(join(tmpdir(), 'darkroom-bench-cache-'))];
  const bare = [];
  try {
    const api = await bench.start('api');
    const { token } = await signUp(api.base, 'bench_ingest');
    bare.push(await bareServer(dirs[0], true), await bareServer(dirs[1], false));
    const sides = {
      ours: () => load(`${api.base}/v1/uploads`, photo, { authorization: `Bearer ${token}` }),
      bare: () => load(bare[0].url, photo),
      cache: () => load(bare[1].url, photo),
    };
    // Warm every side up, then measure each in turn.
    for (const side of Object.values(sides)) await side();
    const names = Object.keys(sides);
    const rounds = Object.fromEntries(names.map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? [...names].reverse() : names) rounds[name].push(await sides[name]());
      console.log(`ingest: round ${round + 1}/${ROUNDS} uploads/s ${names.map((name) => `${name} ${rounds[name][round].perSecond.toFixed(1)}`).join(', ')}`);
    }
    const perSecond = (name) => +median(rounds[name].map((r) => r.perSecond)).toFixed(1);
    const p99 = (name) => percentile(rounds[name].flatMap((r) => r.latencies), 99);
    const ratioTo = (name) => +median(rounds.ours.map((r, i) => r.perSecond / rounds[name][i].perSecond)).toFixed(2);
    const listed = (name) => rounds[name].map((r) => r.perSecond.toFixed(1)).join(', ');
    const mb = (photo.length / 2 ** 20).toFixed(1);
    const ratio = ratioTo('bare');
    return [
      {
        name: 'ingest-uploads-per-second',
        value: perSecond('ours'),
        unit: 'uploads/s',
        baseline: perSecond('bare'),
        ratio,
        goal: '≥ 0.7',
        met: ratio >= 0.7,
        note: `POST /v1/uploads of a ${mb} MB JPEG by ${CLIENTS} clients at once (no workers) vs a bare node:http server streaming the same bodies to a file and fsyncing it before its 202, as the api does; ${ROUNDS} rounds of ${UPLOADS_PER_ROUND} uploads each, the ratio is the median of the rounds' ratios (ours ${listed('ours')}; bare ${listed('bare')})`,
      },
      {
        name: 'ingest-p99',
        value: Math.round(p99('ours')),
        unit: 'ms',
        baseline: Math.round(p99('bare')),
        ratio: +(p99('ours') / p99('bare')).toFixed(2),
        goal: null,
        met: null,
        note: 'p99 latency of the uploads above, api vs the bare server that fsyncs',
      },
      {
        name: 'ingest-vs-page-cache',
        value: perSecond('ours'),
        unit: 'uploads/s',
        baseline: perSecond('cache'),
        ratio: ratioTo('cache'),
        goal: null,
        met: null,
        note: `(record) the same uploads vs a bare server that answers 202 with the bytes still only in the page cache (no fsync): what a crash-safe 202 costs (${listed('cache')})`,
      },
    ];
  } finally {
    for (const server of bare) server.child.kill('SIGTERM');
    await bench.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { ingestRows };

if (require.main === module) printRows(ingestRows());

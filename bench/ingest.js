// bench/ingest: uploads per second and p99 of `POST /v1/uploads` (a ~5 MB JPEG, 16 clients at once) through the
// real api (dist/, no workers running, so it measures the api alone), against a bare Node `http` server in a
// process of its own that streams the same multipart bodies to disk. Both are measured in this run, in rounds
// taken in turn (every other round in reverse order): how fast the disk takes a write drifts as the dirty pages
// pile up, and a baseline measured only before or only after ours would carry that drift into the ratio.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const sharp = require('sharp');
const { benchEnvironment, median, percentile, until } = require('./harness');

const CLIENTS = 16;
const ROUNDS = 5;
const UPLOADS_PER_ROUND = 48;

/** The least a server can do with an upload: its body streamed to a file, then 202. Run with `node -e`. */
const BARE_SERVER = `
const { createServer } = require('node:http');
const { createWriteStream } = require('node:fs');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
let n = 0;
const server = createServer((req, res) => {
  if (req.method !== 'POST') return res.writeHead(200).end('ok');
  pipeline(req, createWriteStream(join(process.env.DIR, String(n++)))).then(
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
  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const client = async () => {
    while (next < uploads) {
      next++;
      const form = new FormData();
      form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'ingest.jpg');
      const begun = process.hrtime.bigint();
      const response = await fetch(url, { method: 'POST', headers, body: form });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`bench: POST ${url} → ${response.status}`);
      latencies.push(Number(process.hrtime.bigint() - begun) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: uploads / seconds, latencies };
}

async function bareServer(dir) {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { env: { PATH: process.env.PATH, DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((ok, fail) => {
    child.stdout.once('data', (chunk) => ok(Number(String(chunk).trim())));
    child.once('exit', (code) => fail(new Error(`bench: the bare server exited (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}/upload` };
}

async function ingestRows() {
  const photo = await fiveMegabyteJpeg();
  const bench = await benchEnvironment('ingest');
  const bareDir = mkdtempSync(join(tmpdir(), 'darkroom-bench-bare-'));
  let bare;
  try {
    const api = await bench.start('api');
    const signup = await fetch(`${api.base}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'bench_ingest' }) });
    const { token } = await signup.json();
    bare = await bareServer(bareDir);
    await until('the bare server', () => fetch(bare.url).then((r) => r.ok, () => false), 10_000);
    const sides = {
      ours: () => load(`${api.base}/v1/uploads`, photo, { authorization: `Bearer ${token}` }),
      bare: () => load(bare.url, photo),
    };
    // Warm both up, then measure each in turn.
    for (const side of Object.values(sides)) await side();
    const rounds = { ours: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? ['bare', 'ours'] : ['ours', 'bare']) rounds[name].push(await sides[name]());
      console.log(`ingest: round ${round + 1}/${ROUNDS} uploads/s ours ${rounds.ours[round].perSecond.toFixed(1)}, bare ${rounds.bare[round].perSecond.toFixed(1)}`);
    }
    const perSecond = (name) => median(rounds[name].map((r) => r.perSecond));
    const p99 = (name) => percentile(rounds[name].flatMap((r) => r.latencies), 99);
    const ratio = +median(rounds.ours.map((r, i) => r.perSecond / rounds.bare[i].perSecond)).toFixed(2);
    const mb = (photo.length / 2 ** 20).toFixed(1);
    return [
      {
        name: 'ingest-uploads-per-second',
        value: +perSecond('ours').toFixed(1),
        unit: 'uploads/s',
        baseline: +perSecond('bare').toFixed(1),
        ratio,
        goal: '≥ 0.7',
        met: ratio >= 0.7,
        note: `POST /v1/uploads of a ${mb} MB JPEG by ${CLIENTS} clients at once (no workers) vs a bare node:http server streaming the same bodies to disk; ${ROUNDS} rounds of ${UPLOADS_PER_ROUND} uploads each, the ratio is the median of the rounds' ratios (rounds: ours ${rounds.ours.map((r) => r.perSecond.toFixed(1)).join(', ')}; bare ${rounds.bare.map((r) => r.perSecond.toFixed(1)).join(', ')})`,
      },
      {
        name: 'ingest-p99',
        value: Math.round(p99('ours')),
        unit: 'ms',
        baseline: Math.round(p99('bare')),
        ratio: +(p99('ours') / p99('bare')).toFixed(2),
        goal: null,
        met: null,
        note: 'p99 latency of the uploads above, api vs the bare server',
      },
    ];
  } finally {
    bare?.child.kill('SIGTERM');
    await bench.close();
    rmSync(bareDir, { recursive: true, force: true });
  }
}

module.exports = { ingestRows };

if (require.main === module) {
  ingestRows().then(
    (rows) => console.table(rows.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'note')))),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

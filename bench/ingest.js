// bench/ingest: uploads per second and p99 of `POST /v1/uploads` (a ~5 MB JPEG, 16 clients at once) through the
// real api (dist/, no workers running, so it measures the api alone), against a bare Node `http` server in a
// process of its own that streams the same multipart bodies to disk. Both are measured in this run, in turn.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const sharp = require('sharp');
const { benchEnvironment, percentile, until } = require('./harness');

const CLIENTS = 16;
const UPLOADS = 160;

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

/** `UPLOADS` POSTs of `photo` by `CLIENTS` clients at once: uploads/s and latencies (ms). */
async function load(url, photo, headers = {}) {
  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const client = async () => {
    while (next < UPLOADS) {
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
  return { perSecond: UPLOADS / seconds, p99: percentile(latencies, 99) };
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
    // Warm both up, then measure each in turn.
    await load(bare.url, photo);
    const ours = await load(`${api.base}/v1/uploads`, photo, { authorization: `Bearer ${token}` });
    const baseline = await load(bare.url, photo);
    const mb = (photo.length / 2 ** 20).toFixed(1);
    const ratio = +(ours.perSecond / baseline.perSecond).toFixed(2);
    return [
      {
        name: 'ingest-uploads-per-second',
        value: +ours.perSecond.toFixed(1),
        unit: 'uploads/s',
        baseline: +baseline.perSecond.toFixed(1),
        ratio,
        goal: '≥ 0.7',
        met: ratio >= 0.7,
        note: `POST /v1/uploads of a ${mb} MB JPEG by ${CLIENTS} clients at once (${UPLOADS} uploads, no workers) vs a bare node:http server streaming the same bodies to disk`,
      },
      {
        name: 'ingest-p99',
        value: Math.round(ours.p99),
        unit: 'ms',
        baseline: Math.round(baseline.p99),
        ratio: +(ours.p99 / baseline.p99).toFixed(2),
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

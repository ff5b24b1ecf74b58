#!/usr/bin/env node
// `npm run start:all`: api + notifier + WORKERS worker processes, natively, from dist/.
// A developer launcher, not an app: it only decides how many processes to run and on
// which health ports; every setting the apps use is validated by libs/config as usual.
'use strict';
const { spawn } = require('node:child_process');
const { resolve } = require('node:path');

const workers = Number(process.env.WORKERS ?? 1);
if (!Number.isInteger(workers) || workers < 1 || workers > 32) {
  console.error(`WORKERS must be an integer from 1 to 32 (got ${JSON.stringify(process.env.WORKERS)})`);
  process.exit(1);
}
const workerPortBase = Number(process.env.WORKER_HTTP_PORT || 3001);
if (!Number.isInteger(workerPortBase) || workerPortBase < 0 || workerPortBase + workers > 65535) {
  console.error(`WORKER_HTTP_PORT must be a port number (got ${JSON.stringify(process.env.WORKER_HTTP_PORT)})`);
  process.exit(1);
}
const root = resolve(__dirname, '..');

const plan = [
  { name: 'api', entry: 'dist/apps/api/src/main.js', env: {} },
  { name: 'notifier', entry: 'dist/apps/notifier/src/main.js', env: {} },
  ...Array.from({ length: workers }, (_, i) => ({
    name: `worker-${i + 1}`,
    entry: 'dist/apps/worker/src/main.js',
    // Each worker needs its own health port on one machine; in compose they share 3001 in their own containers.
    env: { WORKER_HTTP_PORT: String(workerPortBase === 0 ? 0 : workerPortBase + (i === 0 ? 0 : i + 1)) },
  })),
];

let stopping = false;
const children = plan.map(({ name, entry, env }) => {
  const child = spawn(process.execPath, [entry], { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${signal ?? `code ${code}`}); stopping the others`);
    stop(1);
  });
  return child;
});

function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  let alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (alive.length === 0) process.exit(exitCode);
  for (const child of alive) {
    child.once('exit', () => {
      alive = alive.filter((c) => c !== child);
      if (alive.length === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
  setTimeout(() => {
    for (const child of alive) child.kill('SIGKILL');
    process.exit(exitCode);
  }, 20_000).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

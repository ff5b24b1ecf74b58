import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(__dirname, '../../..');

/** The apps run from the build, the same entry points the container image runs. */
export const ENTRY = {
  api: 'dist/apps/api/src/main.js',
  worker: 'dist/apps/worker/src/main.js',
  notifier: 'dist/apps/notifier/src/main.js',
  migrate: 'dist/apps/api/src/migrate.js',
};

export interface AppProcess {
  name: string;
  child: ChildProcess;
  log: string;
}

/** Starts one app with its stdout and stderr in `<logsDir>/<name>.log`; INSTANCE_NAME is its name. */
export function spawnApp(name: string, entry: string, env: NodeJS.ProcessEnv, logsDir: string): AppProcess {
  const log = join(logsDir, `${name}.log`);
  const out = createWriteStream(log);
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env: { ...env, INSTANCE_NAME: name }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return { name, child, log };
}

export async function waitUntilReady(app: AppProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(`${app.name} exited (${app.child.signalCode ?? `code ${app.child.exitCode}`}) during start-up:\n${tail(app.log)}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${app.name} was not ready at ${url} within ${timeoutMs} ms:\n${tail(app.log)}`);
}

/** SIGTERM, then SIGKILL if it has not exited in 15 s. */
export function stopApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

function tail(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
}

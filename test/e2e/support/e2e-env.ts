import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What global-setup started, handed to the suites through one JSON file named in the environment. */
export interface E2eState {
  runId: string;
  runDir: string;
  logsDir: string;
  storageDir: string;
  databaseUrl: string;
  adminDatabaseUrl: string;
  databaseName: string;
  rabbitUrl: string;
  redisUrl: string;
  redisPrefix: string;
  apiUrl: string;
  maxUploadBytes: number;
  maxInputPixels: number;
  queues: { exchange: string; queue: string; retryQueue: string; deadQueue: string };
  processes: Array<{ name: string; pid: number; log: string; health: string }>;
  /** The environment the apps were started with, for a suite that starts one more. */
  appEnv: Record<string, string | undefined>;
}

export const STATE_ENV = 'DARKROOM_E2E_STATE';

export function readState(): E2eState {
  const path = process.env[STATE_ENV];
  if (!path) throw new Error(`${STATE_ENV} is not set: run the e2e suites through jest (global-setup starts the stack)`);
  return JSON.parse(readFileSync(path, 'utf8')) as E2eState;
}

/** Every run gets its own database, queue names, Redis prefix and storage, so runs never see each other. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function stateFile(runDir: string): string {
  return join(runDir, 'state.json');
}

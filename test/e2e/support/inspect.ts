import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from 'pg';
import { readState } from './e2e-env';

/** One statement on the database at `databaseUrl`, over a connection of its own. */
export async function sqlAt<T = Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Read-only looks behind the API, for asserting that a rejected request left nothing behind. */
export function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return sqlAt<T>(readState().databaseUrl, text, params);
}

/** Every file on the photo volume, as keys relative to it (temp files included). */
export function storedFiles(): string[] {
  const root = readState().storageDir;
  // A worker or a delete may remove a file or folder while we walk: what is gone is not stored.
  const gone = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
  const walk = (dir: string): string[] => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if (gone(error)) return [];
      throw error;
    }
    return names.flatMap((name) => {
      const path = join(dir, name);
      try {
        return statSync(path).isDirectory() ? walk(path) : [relative(root, path)];
      } catch (error) {
        if (gone(error)) return [];
        throw error;
      }
    });
  };
  return walk(root);
}

export interface LogLine {
  msg: string;
  instance?: string;
  uploadId?: string;
  requestId?: string;
  [key: string]: unknown;
}

/** The JSON log lines a process of global-setup wrote to stdout. */
export function logLines(processName: string): LogLine[] {
  const proc = readState().processes.find((p) => p.name === processName);
  if (!proc) throw new Error(`no process named ${processName}`);
  return logLinesIn(proc.log);
}

export function logLinesIn(path: string): LogLine[] {
  if (!existsSync(path)) return []; // the process has not written yet
  // A line still being written is incomplete JSON: skip it, the next read sees it whole.
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
}

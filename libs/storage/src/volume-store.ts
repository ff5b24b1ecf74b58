import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PhotoStore, StoredFile, TempFile } from './photo-store';

const KEY_PATTERN = /^(?:[a-z0-9_-]+\/)*[a-z0-9_-]+(?:\.[a-z0-9]+)?$/i;
const TEMP_PATTERN = /^tmp\/[0-9a-f-]{36}$/;
const LIST_BATCH = 500;

/**
 * The shared photo volume. Scratch files live under `tmp/` on the same
 * filesystem as everything else, so committing one is a rename, which is atomic.
 */
export class VolumeStore extends PhotoStore {
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  createTemp(): TempFile {
    const id = `tmp/${randomUUID()}`;
    // flush: fsync before close, so a committed upload never points at bytes still only in the page cache.
    // highWaterMark: while one write is in the thread pool, up to 1 MiB more is taken in and then written as one
    // writev; at the default 16 KiB an upload arriving in 64 KiB pieces is a hundred single writes, each a thread-pool trip.
    return { id, stream: createWriteStream(this.pathOf(id), { flags: 'wx', flush: true, highWaterMark: 1024 * 1024 }) };
  }

  async commitTemp(tempId: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.tempPath(tempId), target);
  }

  async discardTemp(tempId: string): Promise<void> {
    await rm(this.tempPath(tempId), { force: true });
  }

  localPath(tempIdOrKey: string): string {
    return TEMP_PATTERN.test(tempIdOrKey) ? this.tempPath(tempIdOrKey) : this.pathOf(tempIdOrKey);
  }

  async write(key: string, data: Buffer): Promise<void> {
    const temp = `tmp/${randomUUID()}`;
    const tempPath = this.pathOf(temp);
    const file = await open(tempPath, 'wx');
    try {
      try {
        await file.writeFile(data);
        // Flush before the rename, or a crash could leave a complete name over incomplete bytes.
        await file.sync();
      } finally {
        await file.close();
      }
      await this.commitTemp(temp, key);
    } catch (error) {
      // Whatever failed (a full volume, most likely), the half-written temp file goes: a volume that is full
      // must not be made fuller by every attempt that finds it so.
      await rm(tempPath, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async read(key: string): Promise<StoredFile | null> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return { stream: createReadStream(path), bytes: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async prune(dirKey: string): Promise<void> {
    try {
      await rmdir(this.pathOf(dirKey));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTEMPTY') throw error;
    }
  }

  async *filesWrittenBefore(dirKey: string, before: Date): AsyncIterable<string[]> {
    let batch: string[] = [];
    for await (const key of this.walk(dirKey)) {
      const info = await stat(this.pathOf(key)).catch(() => undefined); // removed meanwhile: not ours to judge
      if (info?.isFile() && info.mtime < before) batch.push(key);
      if (batch.length >= LIST_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async checkWritable(): Promise<void> {
    await access(this.pathOf('tmp'), constants.W_OK);
  }

  /** Creates the scratch area; called once at start. */
  async ensureLayout(): Promise<void> {
    await mkdir(this.pathOf('tmp'), { recursive: true });
  }

  /**
   * Removes temp files nobody has written for `olderThanMs`: what a process
   * killed mid-upload left behind. A live upload keeps its file's mtime fresh.
   */
  async sweepTemp(olderThanMs: number, now = Date.now()): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.pathOf('tmp'))) {
      const id = `tmp/${name}`;
      const info = await stat(this.pathOf(id)).catch(() => undefined);
      if (info && now - info.mtimeMs > olderThanMs) {
        await rm(this.pathOf(id), { force: true });
        removed.push(id);
      }
    }
    return removed;
  }

  /** Keys under `dirKey`, depth first, one directory in memory at a time. */
  private async *walk(dirKey: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(this.pathOf(dirKey), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const key = `${dirKey}/${entry.name}`;
      if (!KEY_PATTERN.test(key)) continue; // not a name this store writes: never touched
      if (entry.isDirectory()) yield* this.walk(key);
      else if (entry.isFile()) yield key;
    }
  }

  private tempPath(tempId: string): string {
    if (!TEMP_PATTERN.test(tempId)) throw new Error(`not a temp file id: ${tempId}`);
    return this.pathOf(tempId);
  }

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
    const path = join(this.root, key);
    // Belt and braces: the pattern already forbids "..", this forbids any escape.
    if (!path.startsWith(this.root + sep)) throw new Error(`storage key escapes the volume: ${key}`);
    return path;
  }
}

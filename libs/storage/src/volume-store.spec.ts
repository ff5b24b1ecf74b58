import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { VolumeStore } from './volume-store';

// The module object volume-store.ts calls `open` on (a namespace import's getters cannot be spied on).
const fsPromises = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('VolumeStore', () => {
  let root: string;
  let store: VolumeStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'darkroom-volume-'));
    store = new VolumeStore(root);
    await store.ensureLayout();
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads back what it wrote, with its size, and leaves no scratch file', async () => {
    const data = Buffer.from('not really a webp, but bytes are bytes');

    await store.write('thumbnails/abc/thumb.webp', data);
    const file = await store.read('thumbnails/abc/thumb.webp');

    expect(file).not.toBeNull();
    expect(file!.bytes).toBe(data.length);
    expect(Math.abs(file!.modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await bytesOf(file!.stream)).toEqual(data);
    expect(await readFile(join(root, 'thumbnails/abc/thumb.webp'))).toEqual(data);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it.each(['writeFile', 'sync'] as const)('removes its half-written temp file when %s fails because the volume is full, and rethrows', async (step) => {
    const open = fsPromises.open;
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    // The file is created and a part of it written before the volume runs out: what a full disk does.
    const spy = jest.spyOn(fsPromises, 'open').mockImplementation(async (...args: Parameters<typeof open>) => {
      const handle = await open(...args);
      jest.spyOn(handle, step).mockImplementation(async () => {
        await handle.write(Buffer.from('the first part of a thumbnail'));
        throw full;
      });
      return handle;
    });
    try {
      await expect(store.write('thumbnails/abc/small.webp', Buffer.alloc(64 * 1024, 7))).rejects.toBe(full);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }

    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(existsSync(join(root, 'thumbnails/abc/small.webp'))).toBe(false);
  });

  it('overwrites an existing key', async () => {
    await store.write('originals/2025/01/x', Buffer.from('first'));
    await store.write('originals/2025/01/x', Buffer.from('second, longer'));

    const file = await store.read('originals/2025/01/x');
    expect(file!.bytes).toBe(14);
    expect((await bytesOf(file!.stream)).toString()).toBe('second, longer');
  });

  it('returns null for a key that does not exist', async () => {
    expect(await store.read('originals/2025/01/missing')).toBeNull();
  });

  it('deletes a key, and deleting a missing key is not an error', async () => {
    await store.write('a/b', Buffer.from('x'));
    await store.delete('a/b');
    await store.delete('a/b');

    expect(await store.read('a/b')).toBeNull();
  });

  it('prunes a directory only once it is empty, and a missing one is not an error', async () => {
    await store.write('thumbnails/abc/thumb.webp', Buffer.from('x'));
    await store.prune('thumbnails/abc');
    expect(existsSync(join(root, 'thumbnails/abc/thumb.webp'))).toBe(true);

    await store.delete('thumbnails/abc/thumb.webp');
    await store.prune('thumbnails/abc');
    await store.prune('thumbnails/abc');
    expect(existsSync(join(root, 'thumbnails/abc'))).toBe(false);
  });

  it.each([
    ['a parent reference', '../escape'],
    ['an inner parent reference', 'originals/../../escape'],
    ['an absolute path', '/etc/passwd'],
    ['an empty key', ''],
    ['a space', 'originals/my photo.jpg'],
    ['a double slash', 'originals//x'],
    ['a trailing slash', 'originals/'],
    ['a backslash', 'originals\\x'],
    ['a NUL byte', 'originals/x\0'],
    ['a query-like suffix', 'originals/x?y'],
    ['two extensions', 'originals/x.tar.gz'],
    ['a dot segment', './x'],
  ])('refuses a key with %s', async (_label, key) => {
    await expect(store.write(key, Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    await expect(store.read(key)).rejects.toThrow(/invalid storage key/);
    await expect(store.delete(key)).rejects.toThrow(/invalid storage key/);
    expect(() => store.localPath(key)).toThrow(/invalid storage key/);
    expect(existsSync(join(root, '..', 'escape'))).toBe(false);
  });

  it('commits a temp file to its key by moving it', async () => {
    const temp = store.createTemp();
    temp.stream.end(Buffer.from('uploaded bytes'));
    await once(temp.stream, 'close');
    const tempPath = store.localPath(temp.id);
    expect(existsSync(tempPath)).toBe(true);

    await store.commitTemp(temp.id, 'originals/2025/03/7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f');

    expect(existsSync(tempPath)).toBe(false);
    const file = await store.read('originals/2025/03/7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f');
    expect((await bytesOf(file!.stream)).toString()).toBe('uploaded bytes');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('discards a temp file, and discarding twice is not an error', async () => {
    const temp = store.createTemp();
    temp.stream.end(Buffer.from('rejected upload'));
    await once(temp.stream, 'close');

    await store.discardTemp(temp.id);
    await store.discardTemp(temp.id);

    expect(existsSync(store.localPath(temp.id))).toBe(false);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a temp id that is not one of its own', async () => {
    await store.write('originals/keep', Buffer.from('keep me'));

    await expect(store.discardTemp('originals/keep')).rejects.toThrow(/not a temp file id/);
    await expect(store.commitTemp('originals/keep', 'originals/stolen')).rejects.toThrow(/not a temp file id/);
    await expect(store.discardTemp('tmp/../originals/keep')).rejects.toThrow();
    expect(await store.read('originals/keep')).not.toBeNull();
  });

  it('maps temp ids and keys to paths inside the volume', async () => {
    const temp = store.createTemp();
    temp.stream.end();
    await once(temp.stream, 'close');

    expect(temp.id).toMatch(/^tmp\/[0-9a-f-]{36}$/);
    expect(store.localPath(temp.id)).toBe(join(root, temp.id));
    expect(store.localPath('originals/2025/03/abc')).toBe(join(root, 'originals', '2025', '03', 'abc'));
    expect(store.localPath('thumbnails/abc/small.webp')).toBe(join(root, 'thumbnails', 'abc', 'small.webp'));
  });

  it('reports a writable volume, and an unwritable one', async () => {
    await expect(store.checkWritable()).resolves.toBeUndefined();

    await rm(join(root, 'tmp'), { recursive: true });
    await expect(store.checkWritable()).rejects.toThrow();
  });

  it('sweeps temp files untouched for longer than asked, and keeps fresh ones', async () => {
    const stale = store.createTemp();
    stale.stream.end(Buffer.from('left by a killed upload'));
    await once(stale.stream, 'close');
    const fresh = store.createTemp();
    fresh.stream.end(Buffer.from('being written'));
    await once(fresh.stream, 'close');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(store.localPath(stale.id), old, old);

    expect(await store.sweepTemp(3600_000)).toEqual([stale.id]);
    expect(existsSync(store.localPath(stale.id))).toBe(false);
    expect(existsSync(store.localPath(fresh.id))).toBe(true);
  });
});

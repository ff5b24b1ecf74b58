import { Readable, Writable } from 'node:stream';
import { HttpException, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { MemoryPhotoStore } from '@darkroom/storage';
import { UploadStorageEngine } from './upload-storage.engine';
import { VolumeFullException } from './volume-full';

/** A temp file on a volume that has room for `room` bytes and then fails every write with `code`. */
function volumeWithRoom(store: MemoryPhotoStore, room: number, code: string): void {
  const createTemp = store.createTemp.bind(store);
  jest.spyOn(store, 'createTemp').mockImplementation(() => {
    const temp = createTemp();
    let written = 0;
    const stream = new Writable({
      write(chunk: Buffer, encoding, done) {
        written += chunk.length;
        if (written > room) return done(Object.assign(new Error(`${code}: no space left on device, write`), { code, errno: -28, syscall: 'write' }));
        temp.stream.write(chunk, encoding, done);
      },
    });
    return { id: temp.id, stream };
  });
}

interface Handled {
  error?: unknown;
  info?: unknown;
  /** What the part's own stream emitted as 'error': multer listens there, and fails the request with it. */
  partErrors: unknown[];
  /** Whether the part was read to its end (so that multer can finish the request). */
  partEnded: boolean;
}

async function handle(engine: UploadStorageEngine, data: Buffer): Promise<Handled> {
  // As busboy feeds a part: a chunk at a time as the body arrives, the end only after the last.
  const chunks = [data.subarray(0, 1024), data.subarray(1024, 2048), data.subarray(2048)];
  const stream = new Readable({ read() {} });
  const feed = () => {
    if (stream.destroyed) return;
    const chunk = chunks.shift();
    stream.push(chunk ?? null);
    if (chunk) setTimeout(feed, 5);
  };
  feed();
  const handled: Handled = { partErrors: [], partEnded: false };
  stream.on('error', (error) => handled.partErrors.push(error));
  stream.on('end', () => (handled.partEnded = true));
  const file = { fieldname: 'file', originalname: 'a.jpg', stream } as unknown as Express.Multer.File;
  await new Promise<void>((resolve) =>
    engine._handleFile({} as Request, file, (error, info) => {
      Object.assign(handled, { error, info });
      resolve();
    }),
  );
  if (!handled.partEnded && !stream.destroyed) await new Promise((resolve) => stream.once('end', resolve));
  return handled;
}

describe('UploadStorageEngine', () => {
  let store: MemoryPhotoStore;
  let logError: jest.SpyInstance;

  beforeEach(() => {
    store = new MemoryPhotoStore();
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('streams the file into a temp file and reports its size', async () => {
    const { error, info } = await handle(new UploadStorageEngine(store), Buffer.from('x'.repeat(4096)));

    expect(error).toBeNull();
    expect(info).toEqual({ tempId: expect.stringMatching(/^tmp\//), size: 4096 });
    expect(store.temps.get((info as { tempId: string }).tempId)).toHaveLength(4096);
  });

  it.each(['ENOSPC', 'EDQUOT'])('answers 507 with a clear message when the volume fills up mid-file (%s), removes the temp file and logs why', async (code) => {
    volumeWithRoom(store, 1024, code);

    const { error, partErrors, partEnded } = await handle(new UploadStorageEngine(store), Buffer.alloc(4096, 1));

    // An HttpException: multer's transformException hands it to the filters as it is.
    expect(error).toBeInstanceOf(HttpException);
    expect(error).toBeInstanceOf(VolumeFullException);
    expect((error as HttpException).getStatus()).toBe(507);
    expect((error as HttpException).getResponse()).toBe('the photo volume is full; try again later');
    expect(((error as HttpException).cause as { code: string }).code).toBe(code);
    expect(store.temps.size).toBe(0);
    // The part is drained, not destroyed with the raw ENOSPC, which multer would answer before us (a 500).
    expect(partErrors).toEqual([]);
    expect(partEnded).toBe(true);
    expect(logError).toHaveBeenCalledTimes(1);
    expect(logError.mock.calls[0]![1]).toMatch(new RegExp(`^receiving an upload failed: the photo volume is full \\(${code}\\).*STORAGE_DIR`));
  });

  it('ends the write and removes the temp file when the part itself fails (the client went away)', async () => {
    const discard = jest.spyOn(store, 'discardTemp');
    const stream = new Readable({ read() {} });
    const file = { fieldname: 'file', originalname: 'a.jpg', stream } as unknown as Express.Multer.File;
    stream.on('error', () => undefined); // multer's own listener
    const result = new Promise<unknown>((resolve) => new UploadStorageEngine(store)._handleFile({} as Request, file, (error) => resolve(error)));
    stream.push(Buffer.alloc(512));
    stream.destroy(new Error('Unexpected end of form'));

    expect(((await result) as Error).message).toBe('Unexpected end of form');
    expect(discard).toHaveBeenCalledTimes(1);
    expect(store.temps.size).toBe(0);
  });

  it('passes any other write error on as it is, still removing the temp file', async () => {
    jest.spyOn(store, 'createTemp').mockImplementation(() => ({
      id: 'tmp/5f0e7c3a-9b1d-4e2f-8a6b-3c4d5e6f7a8b',
      stream: new Writable({ write: (_chunk, _encoding, done) => done(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' })) }),
    }));
    const discard = jest.spyOn(store, 'discardTemp');

    const { error } = await handle(new UploadStorageEngine(store), Buffer.alloc(2048));

    expect(error).not.toBeInstanceOf(HttpException);
    expect((error as { code: string }).code).toBe('EIO');
    expect(discard).toHaveBeenCalledWith('tmp/5f0e7c3a-9b1d-4e2f-8a6b-3c4d5e6f7a8b');
    expect(logError).not.toHaveBeenCalled();
  });
});

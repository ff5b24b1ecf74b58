import { BadRequestException, Logger, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { AppConfig } from '@darkroom/config';
import { imageUploadedV1 } from '@darkroom/contracts';
import type { NewUpload, OutboxEvent, UploadsRepository } from '@darkroom/database';
import type { OutboxRelay } from '@darkroom/messaging';
import { MemoryPhotoStore } from '@darkroom/storage';
import { Counter } from 'prom-client';
import { UrlSigner } from '../auth/url-signer';
import type { ImageProbe, ProbedImage } from './image-probe';
import { UploadViews } from './upload-views';
import type { ReceivedFile } from './upload-storage.engine';
import { VolumeFullException } from './volume-full';
import { UploadsService } from './uploads.service';
import type { StorageGarbageCollector } from './storage-garbage.collector';
import { MemoryCache } from '@darkroom/cache';

const OWNER_ID = '0b9c4e1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const TEMP_ID = 'tmp/5f0e7c3a-9b1d-4e2f-8a6b-3c4d5e6f7a8b';
const BYTES = Buffer.from('jpeg bytes, as far as this spec cares');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function receivedFile(overrides: Partial<ReceivedFile> = {}): ReceivedFile {
  return { tempId: TEMP_ID, originalname: 'IMG_0001.jpg', mimetype: 'image/png', size: BYTES.length, ...overrides } as ReceivedFile;
}

describe('UploadsService.accept', () => {
  const config = {
    images: { maxInputPixels: 1_000_000 },
    api: { urlSigningSecret: 'a-test-secret-of-enough-length', signedUrlTtlSeconds: 60 },
  } as AppConfig;
  let store: MemoryPhotoStore;
  let probe: jest.Mock<Promise<ProbedImage | null>, [string]>;
  let insertQueued: jest.Mock<Promise<void>, [NewUpload, OutboxEvent]>;
  let kick: jest.Mock<void, []>;
  let calls: string[];
  let logged: jest.SpyInstance;
  let service: UploadsService;
  let accepted: Counter;
  const acceptedCount = async () => (await accepted.get()).values[0]?.value ?? 0;

  beforeEach(() => {
    jest.useFakeTimers({
      now: new Date('2025-03-31T23:59:59.500Z'),
      doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'clearImmediate'],
    });
    calls = [];
    // The real Nest Logger would print to the console; the spec reads what it was given instead.
    logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    store = new MemoryPhotoStore();
    store.received(TEMP_ID, BYTES);
    probe = jest.fn<Promise<ProbedImage | null>, [string]>(async () => ({ mime: 'image/jpeg', width: 1000, height: 1000 }));
    insertQueued = jest.fn<Promise<void>, [NewUpload, OutboxEvent]>(async () => {
      calls.push('insertQueued');
    });
    kick = jest.fn(() => {
      calls.push('kick');
    });
    accepted = new Counter({ name: 'uploads_accepted_spec', help: 'spec', registers: [] });
    const uploads = { insertQueued } as unknown as UploadsRepository;
    service = new UploadsService(
      uploads,
      store,
      { probe } as unknown as ImageProbe,
      new UploadViews(uploads, new UrlSigner(config)),
      config,
      { kick } as unknown as OutboxRelay,
      accepted,
      { collect: async () => undefined } as unknown as StorageGarbageCollector,
      new MemoryCache(),
    );
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('stores the original under its id, records it with an image.uploaded v1 event and kicks the relay', async () => {
    const result = await service.accept(OWNER_ID, receivedFile(), 'first light', 'req-42');

    expect(result.status).toBe('queued');
    expect(result.id).toMatch(UUID);
    expect(probe).toHaveBeenCalledWith(`/memory/${TEMP_ID}`);

    expect(insertQueued).toHaveBeenCalledTimes(1);
    const [upload, event] = insertQueued.mock.calls[0]!;
    const key = `originals/2025/03/${result.id}`;
    expect(upload).toEqual({
      id: result.id,
      ownerId: OWNER_ID,
      caption: 'first light',
      originalKey: key,
      originalName: 'IMG_0001.jpg',
      mime: 'image/jpeg', // judged by content; the client said image/png
      bytes: BYTES.length,
      createdAt: new Date('2025-03-31T23:59:59.500Z'),
    });
    expect(event).toEqual({
      topic: 'image.uploaded',
      payload: { version: 1, uploadId: result.id, ownerId: OWNER_ID, originalKey: key, mime: 'image/jpeg', requestId: 'req-42' },
    });
    expect(imageUploadedV1.safeParse(event.payload).success).toBe(true);

    expect([...store.files.keys()]).toEqual([key]);
    expect(store.files.get(key)).toBe(BYTES);
    expect(store.temps.size).toBe(0);
    expect(calls).toEqual(['insertQueued', 'kick']);
    expect(await acceptedCount()).toBe(1);
    expect(logged).toHaveBeenCalledWith(
      { uploadId: result.id, bytes: BYTES.length, mime: 'image/jpeg', width: 1000, height: 1000 },
      'upload accepted',
    );
  });

  it('stores a missing caption and an empty file name as null and cuts a long name to 255 characters', async () => {
    await service.accept(OWNER_ID, receivedFile({ originalname: '' }), undefined, 'req-1');
    store.received(TEMP_ID, BYTES);
    await service.accept(OWNER_ID, receivedFile({ originalname: `${'n'.repeat(300)}.jpg` }), undefined, 'req-2');

    expect(insertQueued.mock.calls[0]![0]).toMatchObject({ caption: null, originalName: null });
    expect(insertQueued.mock.calls[1]![0].originalName).toBe('n'.repeat(255));
    expect(insertQueued.mock.calls[0]![0].id).not.toBe(insertQueued.mock.calls[1]![0].id);
  });

  it('refuses a file that is not a supported image, discarding the temp file and recording nothing', async () => {
    probe.mockResolvedValueOnce(null);

    const error = await service.accept(OWNER_ID, receivedFile({ originalname: 'notes.txt' }), undefined, 'req-42').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsupportedMediaTypeException);
    expect((error as UnsupportedMediaTypeException).getStatus()).toBe(415);
    expect((error as Error).message).toContain('"notes.txt" is not a supported image');
    expect(store.temps.size).toBe(0);
    expect(store.files.size).toBe(0);
    expect(insertQueued).not.toHaveBeenCalled();
    expect(kick).not.toHaveBeenCalled();
    expect(await acceptedCount()).toBe(0);
  });

  it.each([
    ['a NUL byte', 'evil\u0000.jpg', 'filename must not contain control characters'],
    ['invalid UTF-8 (decoded to U+FFFD)', Buffer.from([0x63, 0xff, 0x2e, 0x6a, 0x70, 0x67]).toString('utf8'), 'filename must be valid UTF-8'],
  ])('refuses a filename with %s (400 naming it) before looking at the file, discarding the temp file', async (_what, originalname, message) => {
    const error = await service.accept(OWNER_ID, receivedFile({ originalname }), undefined, 'req-42').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as Error).message).toBe(message);
    expect(probe).not.toHaveBeenCalled();
    expect(store.temps.size).toBe(0);
    expect(insertQueued).not.toHaveBeenCalled();
  });

  it('refuses an image over MAX_INPUT_PIXELS, discarding the temp file and recording nothing', async () => {
    probe.mockResolvedValueOnce({ mime: 'image/jpeg', width: 2000, height: 501 });

    const error = await service.accept(OWNER_ID, receivedFile(), undefined, 'req-42').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect((error as PayloadTooLargeException).getStatus()).toBe(413);
    expect((error as Error).message).toBe('image is 2000×501 = 1002000 pixels; the limit is 1000000 (MAX_INPUT_PIXELS)');
    expect(store.temps.size).toBe(0);
    expect(store.files.size).toBe(0);
    expect(insertQueued).not.toHaveBeenCalled();
    expect(kick).not.toHaveBeenCalled();
  });

  it('accepts an image of exactly MAX_INPUT_PIXELS', async () => {
    probe.mockResolvedValueOnce({ mime: 'image/png', width: 1000, height: 1000 });

    await expect(service.accept(OWNER_ID, receivedFile(), undefined, 'req-42')).resolves.toMatchObject({ status: 'queued' });
  });

  it('deletes the committed original again when the row cannot be recorded, and rethrows', async () => {
    const failure = new Error('duplicate key value violates unique constraint');
    insertQueued.mockRejectedValueOnce(failure);

    await expect(service.accept(OWNER_ID, receivedFile(), undefined, 'req-42')).rejects.toBe(failure);

    expect(insertQueued).toHaveBeenCalledTimes(1);
    expect(store.files.size).toBe(0);
    expect(store.temps.size).toBe(0);
    expect(kick).not.toHaveBeenCalled();
    expect(await acceptedCount()).toBe(0);
  });

  it('discards the temp file when moving it fails, and rethrows', async () => {
    store.failCommit = new Error('ENOSPC: no space left on device');

    await expect(service.accept(OWNER_ID, receivedFile(), undefined, 'req-42')).rejects.toThrow('ENOSPC');

    expect(store.temps.size).toBe(0);
    expect(store.files.size).toBe(0);
    expect(insertQueued).not.toHaveBeenCalled();
  });

  it.each(['ENOSPC', 'EDQUOT'])('answers 507 "the photo volume is full" when the move fails with %s, logs why, and keeps nothing', async (code) => {
    const logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store.failCommit = Object.assign(new Error(`${code}: no space left on device, rename 'tmp/…' -> 'originals/…'`), { code });

    const error = await service.accept(OWNER_ID, receivedFile(), undefined, 'req-42').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VolumeFullException);
    expect((error as VolumeFullException).getStatus()).toBe(507);
    expect((error as VolumeFullException).getResponse()).toBe('the photo volume is full; try again later');
    expect((error as VolumeFullException).cause).toBe(store.failCommit);
    expect(store.temps.size).toBe(0);
    expect(store.files.size).toBe(0);
    expect(insertQueued).not.toHaveBeenCalled();
    expect(await acceptedCount()).toBe(0);
    expect(logError).toHaveBeenCalledWith({ err: store.failCommit, code }, expect.stringMatching(/^storing an upload failed: the photo volume is full/));
  });

  it('answers 507 and deletes the committed original when the row cannot be recorded because the volume filled up meanwhile', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    // e.g. a wrapped error whose cause is the volume's: the cause decides.
    insertQueued.mockRejectedValueOnce(new Error('recording failed', { cause: Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }) }));

    const error = await service.accept(OWNER_ID, receivedFile(), undefined, 'req-42').catch((e: unknown) => e);

    expect((error as VolumeFullException).getStatus()).toBe(507);
    expect(store.files.size).toBe(0);
    expect(store.temps.size).toBe(0);
    expect(kick).not.toHaveBeenCalled();
  });
});

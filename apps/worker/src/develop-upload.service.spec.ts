import { createHash } from 'node:crypto';
import type { PinoLogger } from 'nestjs-pino';
import type { ImageUploadedV1 } from '@darkroom/contracts';
import type { DevelopedPhoto, NewThumbnail, OutboxEvent, UploadsRepository } from '@darkroom/database';
import type { OutboxRelay } from '@darkroom/messaging';
import { MemoryPhotoStore } from '@darkroom/storage';
import { Counter } from 'prom-client';
import { type Attempt, DevelopUploadService } from './develop-upload.service';
import { UndecodableImageError, type RenderedPhoto, type ThumbnailRenderer } from './thumbnail-renderer';

const UPLOAD_ID = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f';
const OWNER_ID = '0b9c4e1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const MESSAGE: ImageUploadedV1 = {
  version: 1,
  uploadId: UPLOAD_ID,
  ownerId: OWNER_ID,
  originalKey: `originals/2025/03/${UPLOAD_ID}`,
  mime: 'image/jpeg',
  requestId: 'req-42',
};
const FIRST: Attempt = { number: 1, max: 3, isLast: false };
const SECOND: Attempt = { number: 2, max: 3, isLast: false };
const LAST: Attempt = { number: 3, max: 3, isLast: true };
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const EVENT_PAYLOAD = { version: 1, uploadId: UPLOAD_ID, ownerId: OWNER_ID, requestId: 'req-42' };

const ORIGINAL = Buffer.from('the bytes of the uploaded original');
const PHOTO: RenderedPhoto = {
  width: 4000,
  height: 3000,
  variants: [
    { variant: 'thumb', data: Buffer.from('thumb-bytes'), width: 160, height: 160 },
    { variant: 'small', data: Buffer.from('small-bytes!'), width: 480, height: 360 },
    { variant: 'large', data: Buffer.from('large-bytes!!'), width: 1440, height: 1080 },
  ],
  thumbhash: '1QcSHQRnh493V4dIh4eXh1h4kJUI',
};

describe('DevelopUploadService', () => {
  let calls: string[];
  let store: MemoryPhotoStore;
  let uploads: {
    startAttempt: jest.Mock<Promise<{ interrupted: number } | null>, [string]>;
    releaseAttempt: jest.Mock<Promise<void>, [string]>;
    markDone: jest.Mock<Promise<boolean>, [string, DevelopedPhoto, NewThumbnail[], OutboxEvent]>;
    markFailed: jest.Mock<Promise<boolean>, [string, string, OutboxEvent]>;
    findById: jest.Mock<Promise<object | null>, [string]>;
  };
  let render: jest.Mock<Promise<RenderedPhoto>, [string]>;
  let kick: jest.Mock<void, []>;
  let service: DevelopUploadService;
  let developed: Counter;
  const results = async () => Object.fromEntries((await developed.get()).values.map((v) => [v.labels.result, v.value]));
  const thumbnailsInStore = () => [...store.files.keys()].filter((key) => key.startsWith('thumbnails/')).sort();

  beforeEach(() => {
    calls = [];
    store = new MemoryPhotoStore();
    store.files.set(MESSAGE.originalKey, ORIGINAL);
    uploads = {
      startAttempt: jest.fn<Promise<{ interrupted: number } | null>, [string]>(async () => {
        calls.push('startAttempt');
        return { interrupted: 0 };
      }),
      releaseAttempt: jest.fn<Promise<void>, [string]>(async () => {
        calls.push('releaseAttempt');
      }),
      markDone: jest.fn<Promise<boolean>, [string, DevelopedPhoto, NewThumbnail[], OutboxEvent]>(async () => {
        calls.push('markDone');
        return true;
      }),
      markFailed: jest.fn<Promise<boolean>, [string, string, OutboxEvent]>(async () => {
        calls.push('markFailed');
        return true;
      }),
      findById: jest.fn<Promise<object | null>, [string]>(async () => ({ id: UPLOAD_ID })),
    };
    render = jest.fn<Promise<RenderedPhoto>, [string]>(async () => {
      calls.push('render');
      return PHOTO;
    });
    kick = jest.fn(() => {
      calls.push('kick');
    });
    developed = new Counter({ name: 'uploads_developed_spec', help: 'spec', labelNames: ['result'], registers: [] });
    const log = { setContext: () => undefined, assign: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    service = new DevelopUploadService(
      uploads as unknown as UploadsRepository,
      store,
      { render } as unknown as ThumbnailRenderer,
      { kick } as unknown as OutboxRelay,
      log as unknown as PinoLogger,
      developed,
    );
  });

  it('renders the original, writes three webps, records them with an upload.processed event, then kicks the relay', async () => {
    const outcome = await service.develop(MESSAGE, FIRST);

    expect(outcome).toBe('done');
    expect(render).toHaveBeenCalledWith(`/memory/originals/2025/03/${UPLOAD_ID}`);
    expect(thumbnailsInStore()).toEqual([
      `thumbnails/${UPLOAD_ID}/large.webp`,
      `thumbnails/${UPLOAD_ID}/small.webp`,
      `thumbnails/${UPLOAD_ID}/thumb.webp`,
    ]);
    expect(store.files.get(`thumbnails/${UPLOAD_ID}/small.webp`)!.toString()).toBe('small-bytes!');

    expect(uploads.markDone).toHaveBeenCalledTimes(1);
    const [id, size, thumbnails, event] = uploads.markDone.mock.calls[0]!;
    expect(id).toBe(UPLOAD_ID);
    expect(size).toEqual({ width: 4000, height: 3000, thumbhash: PHOTO.thumbhash, sha256: createHash('sha256').update(ORIGINAL).digest('hex') });
    expect(thumbnails).toEqual([
      { variant: 'thumb', key: `thumbnails/${UPLOAD_ID}/thumb.webp`, mime: 'image/webp', width: 160, height: 160, bytes: 11 },
      { variant: 'small', key: `thumbnails/${UPLOAD_ID}/small.webp`, mime: 'image/webp', width: 480, height: 360, bytes: 12 },
      { variant: 'large', key: `thumbnails/${UPLOAD_ID}/large.webp`, mime: 'image/webp', width: 1440, height: 1080, bytes: 13 },
    ]);
    expect(event).toEqual({ topic: 'upload.processed', payload: EVENT_PAYLOAD });
    expect(uploads.markFailed).not.toHaveBeenCalled();
    // The relay is kicked only once the row and its event are committed.
    expect(calls).toEqual(['startAttempt', 'render', 'markDone', 'kick']);
    expect(await results()).toEqual({ done: 1 });
  });

  it('retries, recording nothing, when the original is gone by the time it is hashed', async () => {
    render.mockImplementationOnce(async () => {
      store.files.delete(MESSAGE.originalKey);
      return PHOTO;
    });

    expect(await service.develop(MESSAGE, FIRST)).toBe('retry');

    expect(uploads.markDone).not.toHaveBeenCalled();
    expect(thumbnailsInStore()).toEqual([]);
    expect(calls).toEqual(['startAttempt', 'releaseAttempt']);
  });

  it('leaves an upload that is gone or already finished alone', async () => {
    uploads.startAttempt.mockResolvedValueOnce(null);

    const outcome = await service.develop(MESSAGE, SECOND);

    expect(outcome).toBe('done');
    expect(render).not.toHaveBeenCalled();
    expect(thumbnailsInStore()).toEqual([]);
    expect(uploads.markDone).not.toHaveBeenCalled();
    expect(uploads.markFailed).not.toHaveBeenCalled();
    expect(kick).not.toHaveBeenCalled();
    expect(await results()).toEqual({});
  });

  it('records an undecodable image as failed with its reason and an upload.failed event, without retrying', async () => {
    render.mockRejectedValueOnce(new UndecodableImageError('the image file is truncated or incomplete; upload it again (x)'));

    const outcome = await service.develop(MESSAGE, FIRST);

    expect(outcome).toBe('done');
    expect(uploads.markFailed).toHaveBeenCalledWith(UPLOAD_ID, 'the image file is truncated or incomplete; upload it again (x)', {
      topic: 'upload.failed',
      payload: EVENT_PAYLOAD,
    });
    expect(uploads.markDone).not.toHaveBeenCalled();
    expect(thumbnailsInStore()).toEqual([]);
    expect(calls).toEqual(['startAttempt', 'markFailed', 'kick']);
    expect(await results()).toEqual({ failed: 1 });
  });

  it('retries a surprise on an attempt that is not the last, recording nothing and letting go of the upload', async () => {
    render.mockRejectedValueOnce(new Error('vips: something unexpected'));

    expect(await service.develop(MESSAGE, FIRST)).toBe('retry');

    expect(uploads.markFailed).not.toHaveBeenCalled();
    expect(uploads.markDone).not.toHaveBeenCalled();
    expect(kick).not.toHaveBeenCalled();
    expect(calls).toEqual(['startAttempt', 'releaseAttempt']);
  });

  it.each([
    ['recording the attempt', () => uploads.startAttempt.mockRejectedValueOnce(new Error('Connection terminated unexpectedly'))],
    ['reading the original', () => render.mockRejectedValueOnce(withCode('EMFILE: too many open files', 'EMFILE'))],
    ['writing a thumbnail', () => jest.spyOn(store, 'write').mockRejectedValueOnce(withCode('ENOSPC: no space left on device', 'ENOSPC'))],
    ['recording the result', () => uploads.markDone.mockRejectedValueOnce(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))],
  ])('defers without counting an attempt when %s fails for want of a dependency, even on the last attempt', async (_, breakIt) => {
    breakIt();

    const outcome = await service.develop(MESSAGE, LAST);

    expect(outcome).toBe('defer');
    expect(uploads.markFailed).not.toHaveBeenCalled();
    expect(uploads.releaseAttempt).toHaveBeenCalledWith(UPLOAD_ID); // queued again: the next attempt counts no death
    expect(kick).not.toHaveBeenCalled();
  });

  it('counts a deterministic database error as an attempt: retried first, then failed and dead-lettered, never deferred for ever', async () => {
    const violation = Object.assign(new Error('query failed'), { driverError: { code: '23514' }, message: 'new row for relation "thumbnails" violates check constraint' });
    uploads.markDone.mockRejectedValueOnce(violation).mockRejectedValueOnce(violation);

    expect(await service.develop(MESSAGE, FIRST)).toBe('retry');
    expect(await service.develop(MESSAGE, LAST)).toBe('reject');

    expect(uploads.markFailed).toHaveBeenCalledTimes(1);
    expect(uploads.markFailed.mock.calls[0]![1]).toBe('storing the thumbnails failed 3 times; last error: new row for relation "thumbnails" violates check constraint');
    expect(await results()).toEqual({ failed: 1 });
  });

  it('fails a photo whose earlier attempts all died with their worker, without rendering it again', async () => {
    uploads.startAttempt.mockResolvedValueOnce({ interrupted: 3 });

    expect(await service.develop(MESSAGE, FIRST)).toBe('reject');

    expect(render).not.toHaveBeenCalled();
    expect(uploads.markFailed).toHaveBeenCalledWith(UPLOAD_ID, 'processing was interrupted 3 times: the worker died while developing this photo (out of memory, or killed)', {
      topic: 'upload.failed',
      payload: EVENT_PAYLOAD,
    });
    expect(await results()).toEqual({ failed: 1 });
  });

  it('renders again a photo interrupted fewer times than JOB_MAX_ATTEMPTS', async () => {
    uploads.startAttempt.mockResolvedValueOnce({ interrupted: 2 });

    expect(await service.develop(MESSAGE, FIRST)).toBe('done');
    expect(calls).toEqual(['render', 'markDone', 'kick']);
  });

  it('neither counts nor dead-letters a failure that finds the upload finished or deleted meanwhile', async () => {
    render.mockRejectedValueOnce(new Error('vips: something unexpected'));
    uploads.markFailed.mockResolvedValueOnce(false);

    expect(await service.develop(MESSAGE, LAST)).toBe('done');
    expect(kick).not.toHaveBeenCalled();
    expect(await results()).toEqual({});
  });

  it('says nothing more when another delivery finished the upload first, and keeps its thumbnails', async () => {
    uploads.markDone.mockResolvedValueOnce(false);

    expect(await service.develop(MESSAGE, FIRST)).toBe('done');
    expect(kick).not.toHaveBeenCalled();
    expect(thumbnailsInStore()).toHaveLength(3);
  });

  it('removes the thumbnails it wrote when the upload was deleted while it worked', async () => {
    uploads.markDone.mockResolvedValueOnce(false);
    uploads.findById.mockResolvedValueOnce(null);

    expect(await service.develop(MESSAGE, FIRST)).toBe('done');
    expect(thumbnailsInStore()).toEqual([]);
  });

  it('removes thumbnails an earlier delivery left when it finds the upload deleted', async () => {
    await store.write(`thumbnails/${UPLOAD_ID}/thumb.webp`, Buffer.from('left by a worker that died'));
    uploads.startAttempt.mockResolvedValueOnce(null);
    uploads.findById.mockResolvedValueOnce(null);

    expect(await service.develop(MESSAGE, SECOND)).toBe('done');
    expect(thumbnailsInStore()).toEqual([]);
  });

  it('on the last attempt records the failure naming the attempts and the last error, and rejects', async () => {
    render.mockRejectedValueOnce(new Error('vips: out of order'));

    const outcome = await service.develop(MESSAGE, LAST);

    expect(outcome).toBe('reject');
    expect(uploads.markFailed).toHaveBeenCalledWith(UPLOAD_ID, 'processing failed 3 times; last error: vips: out of order', {
      topic: 'upload.failed',
      payload: EVENT_PAYLOAD,
    });
    expect(render).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(['startAttempt', 'markFailed', 'kick']);
  });

  it('keeps the message (defer) when the failure cannot be recorded for want of the database on the last attempt', async () => {
    render.mockRejectedValueOnce(new Error('vips: something unexpected'));
    uploads.markFailed.mockRejectedValueOnce(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'));

    expect(await service.develop(MESSAGE, LAST)).toBe('defer');
    expect(uploads.markFailed).toHaveBeenCalledTimes(1);
    expect(kick).not.toHaveBeenCalled();
  });

  it('dead-letters the message when the database refuses to record the failure outright', async () => {
    render.mockRejectedValueOnce(new Error('vips: something unexpected'));
    uploads.markFailed.mockRejectedValueOnce(Object.assign(new Error('value too long'), { code: '22001' }));

    expect(await service.develop(MESSAGE, LAST)).toBe('reject');
    expect(await results()).toEqual({});
  });

  it('keeps file paths out of the reason shown to the uploader', async () => {
    render.mockRejectedValueOnce(new Error("ENOENT: no such file or directory, open '/data/originals/2025/03/x'"));

    await service.develop(MESSAGE, LAST);

    expect(uploads.markFailed.mock.calls[0]![1]).toBe("processing failed 3 times; last error: ENOENT: no such file or directory, open '<file>'");
  });
});

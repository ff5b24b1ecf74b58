import type { AppConfig } from '@darkroom/config';
import type { OutboxEvent, StuckUpload, UploadsRepository } from '@darkroom/database';
import type { OutboxRelay } from '@darkroom/messaging';
import { MemoryPhotoStore } from '@darkroom/storage';
import { Counter } from 'prom-client';
import { UploadReconciler } from './upload-reconciler';

const KNOWN = '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f';
const ORPHAN = '0b9c4e1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const config = { reconciler: { intervalSeconds: 60, stuckAfterSeconds: 900, orphanGraceSeconds: 3600 } } as AppConfig;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

describe('UploadReconciler', () => {
  let store: MemoryPhotoStore;
  let events: OutboxEvent[];
  let silent: StuckUpload[];
  let kick: jest.Mock;
  let counter: Counter;
  let reconciler: UploadReconciler;
  const counts = async () => Object.fromEntries((await counter.get()).values.map((v) => [v.labels.action, v.value]));

  beforeEach(() => {
    store = new MemoryPhotoStore();
    events = [];
    silent = [];
    kick = jest.fn();
    counter = new Counter({ name: 'reconciled_spec', help: 'spec', labelNames: ['action'], registers: [] });
    const uploads = {
      republishSilent: async (seconds: number, _limit: number, eventOf: (u: StuckUpload) => OutboxEvent) => {
        expect(seconds).toBe(900);
        events.push(...silent.map(eventOf));
        return silent;
      },
      existingIds: async (ids: readonly string[]) => new Set(ids.filter((id) => id === KNOWN)),
    } as unknown as UploadsRepository;
    reconciler = new UploadReconciler(uploads, store, config, { kick } as unknown as OutboxRelay, counter);
    jest.spyOn(reconciler['logger'], 'warn').mockImplementation(() => undefined);
  });

  it('publishes a silent upload again as image.uploaded, kicks the relay and counts it', async () => {
    silent = [{ id: KNOWN, ownerId: ORPHAN, originalKey: `originals/2026/12/${KNOWN}`, mime: 'image/jpeg', status: 'queued' }];

    expect(await reconciler.reconcile()).toEqual({ republished: 1, orphansRemoved: 0 });

    expect(events).toEqual([
      {
        topic: 'image.uploaded',
        payload: { version: 1, uploadId: KNOWN, ownerId: ORPHAN, originalKey: `originals/2026/12/${KNOWN}`, mime: 'image/jpeg', requestId: expect.stringMatching(/^reconciler-/) },
      },
    ]);
    expect(kick).toHaveBeenCalledTimes(1);
    expect(await counts()).toEqual({ republished: 1 });
  });

  it('removes an original with no row once past the grace period, and nothing else', async () => {
    for (const [key, at] of [
      [`originals/2026/12/${ORPHAN}`, hoursAgo(2)], // no row, old: an orphan
      [`originals/2026/12/${KNOWN}`, hoursAgo(2)], // has its row
      ['originals/2026/12/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', hoursAgo(0.5)], // no row yet: within the grace period
      [`thumbnails/${ORPHAN}/thumb.webp`, hoursAgo(2)], // not an original
    ] as const) {
      await store.write(key, Buffer.from('x'));
      store.writtenAt.set(key, at);
    }

    expect(await reconciler.reconcile()).toEqual({ republished: 0, orphansRemoved: 1 });

    expect([...store.files.keys()].sort()).toEqual(
      [`originals/2026/12/${KNOWN}`, 'originals/2026/12/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', `thumbnails/${ORPHAN}/thumb.webp`].sort(),
    );
    expect(kick).not.toHaveBeenCalled();
    expect(await counts()).toEqual({ orphan_removed: 1 });
  });
});

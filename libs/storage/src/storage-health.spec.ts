import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DiskHealthIndicator, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { AppConfig } from '@darkroom/config';
import { HealthController, READINESS_PROBES } from '@darkroom/observability';
import { StorageHealth } from './storage-health';

const WARN_AT = 0.95;
import { VolumeStore } from './volume-store';

type CheckDiskSpace = (path: string) => Promise<{ free: number; size: number }>;

describe('the storage readiness probes', () => {
  let root: string;
  let store: VolumeStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'darkroom-storage-health-'));
    store = new VolumeStore(root);
    await store.ensureLayout();
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  /** /health/ready's body (or 503 response) with the storage probes on `root`; `checkDiskSpace` replaces statfs when given. */
  async function readyBody(checkDiskSpace?: CheckDiskSpace, diskWarnUsedRatio = WARN_AT): Promise<unknown> {
    const moduleRef = await Test.createTestingModule({ imports: [TerminusModule.forRoot({ logger: false })] }).compile();
    const disk = checkDiskSpace ? new DiskHealthIndicator(checkDiskSpace, new HealthIndicatorService()) : moduleRef.get(DiskHealthIndicator);
    const storage = new StorageHealth(store, disk, { storage: { dir: root, diskWarnUsedRatio } } as AppConfig);
    const controllerRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: READINESS_PROBES, useValue: storage.probes() }],
    }).compile();
    return controllerRef
      .get(HealthController)
      .ready()
      .catch((error: unknown) => (error instanceof ServiceUnavailableException ? error.getResponse() : Promise.reject(error)));
  }

  it('are up on a writable volume with room (the real statfs of the temp directory)', async () => {
    // Warning only when completely full, so that the spec holds on a machine whose disk is nearly full.
    await expect(readyBody(undefined, 1)).resolves.toMatchObject({ status: 'ok', details: { storage: { status: 'up' }, disk: { status: 'up' } } });
  });

  it(`report disk degraded, with its impact, and stay ready once the volume is over ${WARN_AT * 100}% used`, async () => {
    const seen: string[] = [];
    const almostFull: CheckDiskSpace = async (path) => (seen.push(path), { free: 4, size: 100 });

    await expect(readyBody(almostFull)).resolves.toMatchObject({
      status: 'degraded',
      details: {
        storage: { status: 'up' },
        disk: { status: 'degraded', message: 'Used disk storage exceeded the set threshold', impact: expect.stringMatching(/uploads and thumbnails fail once the photo volume is full/) },
      },
    });
    expect(seen).toEqual([root]);
    await expect(readyBody(async () => ({ free: 6, size: 100 }))).resolves.toMatchObject({ status: 'ok', details: { disk: { status: 'up' } } });
  });

  it('fail (503) on storage when the volume is gone, and say why for disk', async () => {
    await rm(root, { recursive: true });

    await expect(readyBody()).resolves.toMatchObject({
      status: 'error',
      error: { storage: { status: 'down', message: expect.stringMatching(/^ENOENT/) } },
      details: { disk: { status: 'degraded', message: expect.stringMatching(/^ENOENT: no such file or directory, statfs/) } },
    });
  });
});

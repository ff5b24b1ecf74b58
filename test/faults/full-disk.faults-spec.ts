import { readFileSync } from 'node:fs';
import { eventually, UserSession } from '../e2e/support/api-client';
import { grainyJpeg } from '../e2e/support/photos';
import { FaultStack, FILLER } from './support/stack';

/** The photo volume is a tmpfs this size: room for the batches here, small enough to fill in a moment. */
const VOLUME_BYTES = 48 * 1024 * 1024;

interface LogLine {
  level: number;
  msg: string;
  uploadId?: string;
}

/** Every JSON line of an app's log. */
function logLines(path: string): LogLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * A full photo volume, for real: the stack's STORAGE_DIR is a tmpfs of its own (FaultStackOptions.storageTmpfsBytes)
 * that the tests fill with one file and empty again.
 */
describe('a full photo volume', () => {
  let stack: FaultStack;
  let owner: UserSession;

  beforeAll(async () => {
    stack = await FaultStack.start({ storageTmpfsBytes: VOLUME_BYTES });
    owner = await stack.client.createUser('full');
  }, 150_000);

  afterAll(async () => {
    stack?.freeVolume();
    await stack?.destroy();
  });

  afterEach(() => {
    stack.freeVolume();
    expect(stack.crashed()).toEqual([]);
  });

  /** What is on the volume, the filler aside. */
  const stored = () => stack.storedFiles().filter((file) => file !== FILLER);

  const ownUploads = () => stack.sql<{ id: string; status: string; failure_reason: string | null }>(`SELECT id, status, failure_reason FROM uploads WHERE owner_id = $1`, [owner.id]);

  const upload = (data: Buffer, name: string) => stack.client.postUpload(owner, [{ data, name, type: 'image/jpeg' }]);

  it('answers every upload 507 with a JSON error naming the problem, leaves nothing behind, and accepts again once space is freed', async () => {
    const photos = await Promise.all(Array.from({ length: 4 }, () => grainyJpeg(1200, 900)));
    expect(Math.min(...photos.map((p) => p.length))).toBeGreaterThan(64 * 1024);
    const before = stored();
    const free = stack.fillVolume(16 * 1024);
    expect(free).toBeLessThan(64 * 1024); // less room than the smallest photo needs

    const responses = await Promise.all(photos.map((data, i) => upload(data, `full-${i}.jpg`)));
    const answers = await Promise.all(responses.map(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: await r.json() })));
    expect(answers).toEqual(
      photos.map(() => ({
        status: 507,
        type: expect.stringMatching(/^application\/json/),
        body: { statusCode: 507, error: 'Insufficient Storage', message: 'the photo volume is full; try again later' },
      })),
    );

    // No temp file, no original; no row and no outbox entry.
    expect(stored()).toEqual(before);
    expect(await ownUploads()).toEqual([]);
    expect(await stack.sql(`SELECT id FROM outbox WHERE payload->>'ownerId' = $1`, [owner.id])).toEqual([]);
    // Readiness stays up on purpose: reads (feeds, thumbnails, streams) still work, and an api taken out of the
    // balancer would answer nothing at all; the storage probe checks the volume is writable, not that it has room.
    expect((await fetch(stack.apps.api!.health)).status).toBe(200);
    // The api says what happened and what to do, once per upload.
    const explained = logLines(stack.apps.api!.app.log).filter((l) => l.level >= 40 && /the photo volume is full \(ENOSPC\).*STORAGE_DIR/.test(l.msg));
    expect(explained).toHaveLength(photos.length);

    // "Try again later" holds: with the space back, the same photo is accepted and developed.
    stack.freeVolume();
    const again = await upload(photos[0]!, 'full-again.jpg');
    expect(again.status).toBe(202);
    const { id } = (await again.json()) as { id: string };
    const view = await stack.client.waitForUpload(owner, id, 60_000);
    expect([view.status, view.thumbnails.length]).toEqual(['done', 3]);
  });

  it('defers the photos of a worker that cannot write their thumbnails, fails none, and finishes them all once space is freed', async () => {
    // The worker is stopped while the photos arrive, so they are all stored (202) before the volume fills.
    await stack.stopApp('worker');
    const photos = await Promise.all(Array.from({ length: 4 }, () => grainyJpeg(1200, 900)));
    const responses = await Promise.all(photos.map((data, i) => upload(data, `deferred-${i}.jpg`)));
    expect(responses.map((r) => r.status)).toEqual(photos.map(() => 202));
    const ids = await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id));

    expect(stack.fillVolume(0)).toBeLessThan(4096); // not even a page left
    const worker = await stack.spawnWorker('worker-full');

    // Every photo is tried and deferred, more than once: a full volume is waited out, not counted as an attempt.
    const deferrals = () =>
      logLines(worker.app.log).filter((l) => l.level === 40 && /^storing the thumbnails failed \(ENOSPC.*without counting an attempt/.test(l.msg));
    await eventually(
      'every photo to be deferred twice for want of space',
      async () => deferrals(),
      (lines) => ids.every((id) => lines.filter((l) => l.uploadId === id).length >= 2),
      60_000,
    );
    const waiting = await stack.sql<{ id: string; status: string; failure_reason: string | null }>(`SELECT id, status, failure_reason FROM uploads WHERE id = ANY($1)`, [ids]);
    expect(waiting.filter((u) => !['queued', 'processing'].includes(u.status) || u.failure_reason !== null)).toEqual([]);
    expect(waiting).toHaveLength(ids.length);
    // A failed write removes its temp file: at most the writes in progress (WORKER_CONCURRENCY) have one.
    expect(stored().filter((f) => f.startsWith('tmp/')).length).toBeLessThanOrEqual(2);

    stack.freeVolume();
    const views = await Promise.all(ids.map((id) => stack.client.waitForUpload(owner, id, 90_000)));
    expect(views.map((v) => [v.status, v.thumbnails.map((t) => t.variant).sort()])).toEqual(ids.map(() => ['done', ['large', 'small', 'thumb']]));
    const rows = await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM thumbnails WHERE upload_id = ANY($1)`, [ids]);
    expect(rows[0]!.n).toBe(ids.length * 3);
    // Nothing half-written stayed on the volume: no temp file, and every thumbnail is one its row records.
    expect(stored().filter((f) => f.startsWith('tmp/'))).toEqual([]);
    for (const id of ids) expect(stored().filter((f) => f.includes(id)).filter((f) => f.startsWith('thumbnails/'))).toHaveLength(3);
  });
});

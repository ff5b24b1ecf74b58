import { eventually, UserSession } from '../e2e/support/api-client';
import { grainyJpeg, smallJpeg } from '../e2e/support/photos';
import { FaultStack } from './support/stack';

interface Readiness {
  status: number;
  body: { status: string; details: Record<string, { status: string; message?: string; impact?: string }> };
}

/**
 * The pipeline's guarantees while its servers go away: every server here is private to this run
 * (support/servers.ts), so the tests stop and restart them for real.
 */
describe('the pipeline through outages of its own Postgres, RabbitMQ and Redis', () => {
  let stack: FaultStack;
  let owner: UserSession;

  beforeAll(async () => {
    stack = await FaultStack.start();
    owner = await stack.client.createUser('owner');
  }, 150_000);

  afterAll(async () => {
    await stack?.destroy();
  });

  afterEach(() => {
    expect(stack.crashed()).toEqual([]);
  });

  const readiness = async (): Promise<Readiness> => {
    const response = await fetch(stack.apps.api!.health);
    return { status: response.status, body: (await response.json()) as Readiness['body'] };
  };

  /** Uploads `count` photos, all answered 202, and returns their ids. */
  const uploadBatch = async (tag: string, photos: Buffer[]): Promise<string[]> => {
    const responses = await Promise.all(photos.map((data, i) => stack.client.postUpload(owner, [{ data, name: `${tag}-${i}.jpg`, type: 'image/jpeg' }])));
    expect(responses.map((r) => r.status)).toEqual(photos.map(() => 202));
    return Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id));
  };

  const countDone = async (ids: string[]) =>
    (await stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM uploads WHERE id = ANY($1) AND status = 'done'`, [ids]))[0]!.n;

  /** Every upload done, with exactly three thumbnail rows and exactly one upload.processed notification for its owner. */
  const expectDevelopedOnceAndNotifiedOnce = async (ids: string[]) => {
    const views = await Promise.all(ids.map((id) => stack.client.waitForUpload(owner, id, 90_000)));
    expect(views.map((v) => [v.status, v.thumbnails.length])).toEqual(ids.map(() => ['done', 3]));
    const thumbnails = await stack.sql<{ upload_id: string; n: number }>(
      `SELECT u.id AS upload_id, count(t.upload_id)::int AS n FROM uploads u LEFT JOIN thumbnails t ON t.upload_id = u.id WHERE u.id = ANY($1) GROUP BY u.id`,
      [ids],
    );
    expect(thumbnails.filter((row) => row.n !== 3)).toEqual([]);
    expect(thumbnails).toHaveLength(ids.length);
    const notified = () =>
      stack.sql<{ upload_id: string; n: number }>(
        `SELECT upload_id, count(*)::int AS n FROM notifications WHERE user_id = $1 AND kind = 'upload.processed' AND upload_id = ANY($2) GROUP BY upload_id`,
        [owner.id, ids],
      );
    const rows = await eventually('one notification per upload', notified, (r) => r.length === ids.length, 60_000);
    expect(rows.filter((row) => row.n !== 1)).toEqual([]);
  };

  it('accepts 30 uploads (202) while RabbitMQ is stopped, stays ready saying the broker is down, and develops them all once it is back', async () => {
    const rabbit = stack.rabbit!;
    const photos = await Promise.all(Array.from({ length: 30 }, (_, i) => smallJpeg(1000 + i)));
    await rabbit.stop();
    let ids: string[];
    try {
      const down = await eventually('the api to notice the broker is gone', readiness, (r) => r.body.details?.rabbitmq?.status !== 'up', 30_000);
      expect(down.status).toBe(200);
      expect(down.body.status).toBe('degraded');
      expect(down.body.details.rabbitmq).toMatchObject({ status: 'degraded', impact: expect.stringMatching(/outbox/) });
      expect(down.body.details.postgres).toMatchObject({ status: 'up' });

      ids = await uploadBatch('no-broker', photos);
      // Recorded and waiting in the outbox, none published.
      const waiting = await stack.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox WHERE topic = 'image.uploaded' AND published_at IS NULL AND payload->>'uploadId' = ANY($1)`,
        [ids],
      );
      expect(waiting[0]!.n).toBe(30);
      expect((await readiness()).status).toBe(200);
    } finally {
      await rabbit.start();
    }

    await expectDevelopedOnceAndNotifiedOnce(ids);
    const back = await eventually('the api to see the broker again', readiness, (r) => r.body.details?.rabbitmq?.status === 'up', 30_000);
    expect(back).toMatchObject({ status: 200, body: { status: 'ok' } });
    await stack.waitUntilAllReady();
  });

  it('develops every photo of a 50-photo batch once and notifies once when Postgres restarts in the middle of it', async () => {
    const photos = await Promise.all(Array.from({ length: 50 }, () => grainyJpeg(1200, 900)));
    const ids = await uploadBatch('pg-restart', photos);
    const doneBefore = await eventually('the batch to be under way', () => countDone(ids), (n) => n >= 3, 60_000);
    expect(doneBefore).toBeLessThan(ids.length); // the restart falls in the middle of the batch
    await stack.postgres!.restart();

    await expectDevelopedOnceAndNotifiedOnce(ids);
    await stack.waitUntilAllReady();
  });

  it('develops every photo of a 50-photo batch once and notifies once when Redis restarts in the middle of it (AOF keeps the jobs)', async () => {
    const photos = await Promise.all(Array.from({ length: 50 }, () => grainyJpeg(1200, 900)));
    const ids = await uploadBatch('redis-restart', photos);
    const doneBefore = await eventually('the batch to be under way', () => countDone(ids), (n) => n >= 3, 60_000);
    expect(doneBefore).toBeLessThan(ids.length);
    await stack.redis!.restart();

    await expectDevelopedOnceAndNotifiedOnce(ids);
    await stack.waitUntilAllReady();
  });
});

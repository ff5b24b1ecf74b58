import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readState } from './support/e2e-env';
import { eventually, type UserSession } from './support/api-client';
import { logLinesIn } from './support/inspect';
import { smallJpeg } from './support/photos';
import { PrivateStack } from './support/private-stack';

/** The reconciler, run every second on an api of the suite's own (it purges queues and plants files). */
describe('the reconciler', () => {
  const stack = new PrivateStack('reconcile', { RECONCILE_INTERVAL_SECONDS: '1', STUCK_UPLOAD_SECONDS: '2', ORPHAN_GRACE_SECONDS: '60' });
  const apiLog = () => logLinesIn(join(readState().logsDir, 'api-reconcile.log'));
  const reconciled = async (action: string): Promise<number> => {
    const text = await (await fetch(`${stack.apiUrl}/metrics`)).text();
    return Number(new RegExp(`^darkroom_reconciled_total\\{[^}]*action="${action}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };
  const backdate = (path: string, minutes: number) => {
    const at = new Date(Date.now() - minutes * 60_000);
    utimesSync(path, at, at);
  };
  let user: UserSession;

  beforeAll(async () => {
    await stack.start();
    user = await stack.signUp('reconcile');
  });

  afterAll(() => stack.close());

  it('publishes again an upload whose message was lost, and it ends `done`', async () => {
    // No worker yet: the message waits in the queue, then is lost, as with a broker that lost its disk.
    const id = await stack.upload(user, await smallJpeg(8801), 'lost.jpg');
    await stack.amqp(async (channel) => {
      await eventually('the message in the queue', () => channel.checkQueue(stack.queues.queue), (q) => q.messageCount >= 1, 10_000);
      await channel.purgeQueue(stack.queues.queue);
    });
    expect((await stack.view(user, id)).status).toBe('queued');

    const { ready } = await stack.worker('worker-reconcile');
    await ready;
    const done = await eventually('the lost upload to be developed', () => stack.view(user, id), (u) => u.status === 'done', 30_000);
    expect(done.thumbnails).toHaveLength(3);
    expect(apiLog().some((l) => l.msg === 'published an unfinished upload again: the pipeline lost track of it' && l.uploadId === id)).toBe(true);
    expect(await reconciled('republished')).toBeGreaterThanOrEqual(1);
    // The first event and at least one more from the reconciler, all through the outbox like any other.
    const outbox = () =>
      stack.sql<{ events: number; unpublished: number }>(
        `SELECT count(*)::int AS events, count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished FROM outbox WHERE topic = 'image.uploaded' AND payload->>'uploadId' = $1`,
        [id],
      );
    const [row] = await eventually('every event of the upload published', outbox, ([r]) => r!.unpublished === 0, 10_000);
    expect(row!.events).toBeGreaterThanOrEqual(2);
  });

  it('removes an original that no upload records once past ORPHAN_GRACE_SECONDS, and keeps recorded and younger ones', async () => {
    const plant = (id: string, minutesOld: number): string => {
      const path = join(stack.storageDir, 'originals', '2026', '12', id);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, 'the api died between storing this and recording it');
      backdate(path, minutesOld);
      return path;
    };
    const orphan = plant(randomUUID(), 2);
    const young = plant(randomUUID(), 0);
    // A recorded upload's original, just as old: kept.
    const id = await stack.upload(user, await smallJpeg(8802), 'kept.jpg');
    const [{ original_key: key }] = await stack.sql<{ original_key: string }>(`SELECT original_key FROM uploads WHERE id = $1`, [id]);
    const recorded = join(stack.storageDir, key);
    backdate(recorded, 2);

    await eventually('the orphan to be removed', async () => existsSync(orphan), (exists) => !exists, 15_000);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(recorded)).toBe(true);
    expect(apiLog().some((l) => l.msg === 'removed an original that no upload records (the api died between storing and recording it)')).toBe(true);
    expect(await reconciled('orphan_removed')).toBe(1);
  });
});

import { Queue } from 'bullmq';
import { createUser, upload, UserSession, waitForUpload } from './support/api-client';
import { ENTRY, spawnApp, stopApp, waitUntilReady, AppProcess } from './support/app-process';
import { readState } from './support/e2e-env';
import { logLinesIn, sql } from './support/inspect';
import { freePort } from './support/late-proxy';
import { smallJpeg } from './support/photos';
import { seedFollowers } from './support/seed';
import { eventually } from './support/api-client';

const FOLLOWERS = 10_000;

const postedCounts = (uploadId: string) =>
  sql<{ rows: number; followers: number }>(
    `SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS followers FROM notifications WHERE upload_id = $1 AND kind = 'followee.posted'`,
    [uploadId],
  ).then((r) => r[0]!);

describe('fan-out to every follower', () => {
  let star: UserSession;
  let followerIds: string[];

  beforeAll(async () => {
    star = await createUser('star');
    followerIds = await seedFollowers(star.id, FOLLOWERS, 'fan');
  });

  it('gives exactly one followee.posted to each of 10,000 followers, and the owner their upload.processed', async () => {
    const id = await upload(star, { data: await smallJpeg(7001), name: 'crowd.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(star, id)).status).toBe('done');

    const counts = await eventually('10,000 followee.posted rows', () => postedCounts(id), (c) => c.rows >= FOLLOWERS, 60_000);
    expect(counts).toEqual({ rows: FOLLOWERS, followers: FOLLOWERS });
    const owner = await sql(`SELECT user_id FROM notifications WHERE upload_id = $1 AND kind = 'upload.processed'`, [id]);
    expect(owner).toEqual([{ user_id: star.id }]);
    // Every one of them is one of the followers, and the owner is not among them.
    const strays = await sql(`SELECT user_id FROM notifications WHERE upload_id = $1 AND kind = 'followee.posted' AND NOT (user_id = ANY($2::uuid[]))`, [id, followerIds]);
    expect(strays).toEqual([]);
  });

  it('writes no duplicate and skips no one when the notifier is SIGKILLed in the middle of a fan-out', async () => {
    // A notifier of its own on queues of its own, pages of 50 and one page at a time, so that the fan-out lasts
    // long enough to be killed in the middle; it is handed the very job a worker's outbox relay adds.
    const { appEnv, logsDir, redisUrl, redisPrefix, runId } = readState();
    const queues = { NOTIFICATIONS_QUEUE: `notifications.kill-${runId}`, FANOUT_QUEUE: `fanout.kill-${runId}` };
    const env = { ...appEnv, ...queues, FANOUT_BATCH_SIZE: '50', NOTIFIER_CONCURRENCY: '1' };
    const quiet = await createUser('quiet');
    const id = await upload(quiet, { data: await smallJpeg(7002), name: 'later.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(quiet, id)).status).toBe('done'); // no followers yet: nothing fanned out
    await seedFollowers(quiet.id, FOLLOWERS, 'late');

    const start = async (name: string): Promise<AppProcess> => {
      const port = await freePort();
      const app = spawnApp(name, ENTRY.notifier, { ...env, NOTIFIER_HTTP_PORT: String(port) }, logsDir);
      await waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`);
      return app;
    };
    const queue = new Queue(queues.NOTIFICATIONS_QUEUE, { connection: { url: redisUrl }, prefix: redisPrefix });
    let first: AppProcess | undefined;
    let second: AppProcess | undefined;
    try {
      first = await start('notifier-kill-1');
      await queue.add('upload.processed', { version: 1, uploadId: id, ownerId: quiet.id, requestId: `kill-${runId}` }, { jobId: `upload-${id}-processed` });
      await eventually('the fan-out to be under way', () => postedCounts(id), (c) => c.rows >= 1000, 60_000);
      first.child.kill('SIGKILL');
      await new Promise((resolveExit) => first!.child.once('exit', resolveExit));
      const atKill = await postedCounts(id);
      expect(atKill.rows).toBeLessThan(FOLLOWERS); // it really died in the middle

      second = await start('notifier-kill-2');
      const counts = await eventually('the fan-out to finish after the restart', () => postedCounts(id), (c) => c.rows >= FOLLOWERS, 90_000);
      expect(counts).toEqual({ rows: FOLLOWERS, followers: FOLLOWERS });
      await eventually(
        'the restarted notifier to complete the flow',
        async () => logLinesIn(second!.log).find((l) => l.msg === 'fan-out complete' && l.uploadId === id),
        (line) => line !== undefined,
        60_000,
      );
      // Nothing was written twice by the restart: the total is still one row per follower.
      expect(await postedCounts(id)).toEqual({ rows: FOLLOWERS, followers: FOLLOWERS });
      console.log(`fan-out of ${FOLLOWERS} in pages of 50: ${atKill.rows} written before SIGKILL, the rest after the restart`);
    } finally {
      await queue.close();
      for (const app of [first, second]) if (app) await stopApp(app.child);
    }
  });
});

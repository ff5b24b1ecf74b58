import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, type UserSession } from './support/api-client';
import { type AppProcess, ENTRY, ROOT } from './support/app-process';
import { logLinesIn } from './support/inspect';
import { grainyJpeg, smallJpeg } from './support/photos';
import { PrivateStack } from './support/private-stack';

/**
 * A photo whose processing kills the worker process, every time, as an OOM killer would. The suite has an
 * api and workers of its own: it kills workers.
 */
describe('a photo that kills every worker that picks it up', () => {
  // One photo in hand per worker: a kill interrupts the poison alone, not a neighbour that shared its worker.
  const stack = new PrivateStack('poison', { JOB_MAX_ATTEMPTS: '3', WORKER_CONCURRENCY: '1' });
  const workers = new Map<string, AppProcess>();
  const starting: Array<Promise<void>> = [];
  let user: UserSession;
  let poison: string;

  /** `npm run dlq -- …` against this stack: its exit code and what it printed. */
  const dlq = async (...args: string[]): Promise<{ code: number; out: string }> => {
    const entry = ENTRY.api.replace('main.js', 'dlq.js');
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [entry, ...args], { cwd: ROOT, env: stack.env });
      return { code: 0, out: stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout + failed.stderr };
    }
  };

  /**
   * A worker in `slot`, watched from its spawn on; the supervisor's part, so its readiness is not awaited.
   * A replacement may take the poison before it reports ready, and be killed for it: that is no failure.
   */
  const startWorker = async (slot: string, generation: number): Promise<void> => {
    const { app, ready } = await stack.worker(`${slot}-${generation}`);
    workers.set(slot, app);
    starting.push(generation === 1 ? ready : ready.catch(() => undefined));
  };

  beforeAll(async () => {
    await stack.start();
    await Promise.all(['worker-poison-a', 'worker-poison-b'].map((slot) => startWorker(slot, 1)));
    await Promise.all(starting);
    user = await stack.signUp('poison');
  });

  afterAll(async () => {
    await Promise.allSettled(starting);
    await stack.close();
  });

  it('ends `failed` with a reason after JOB_MAX_ATTEMPTS deaths, is dead-lettered, and the rest of the batch ends `done`', async () => {
    // Big enough that its worker is still at it when the test sees it begin.
    poison = await stack.upload(user, await grainyJpeg(6000, 4000), 'poison.jpg');
    const others = await Promise.all(Array.from({ length: 6 }, async (_, i) => stack.upload(user, await smallJpeg(7700 + i), `fine-${i}.jpg`)));

    // Each delivery of the poison: find the worker that began it (its "developing upload" line) and kill it at
    // once; its replacement starts meanwhile, and the other worker may well take the redelivery first.
    for (let death = 0; death < 3; death++) {
      const [slot, victim] = await eventually(
        `a worker to begin the poison photo for the ${death + 1}. time`,
        async () => [...workers].find(([, w]) => logLinesIn(w.log).some((l) => l.msg === 'developing upload' && l.uploadId === poison && l.interrupted === death)) ?? null,
        (found) => found !== null,
        60_000,
      ).then((found) => found!);
      victim.child.kill('SIGKILL');
      await startWorker(slot, death + 2);
    }

    const ended = (id: string) => eventually(`upload ${id} to end`, () => stack.view(user, id), (u) => u.status === 'done' || u.status === 'failed', 60_000);
    expect(await ended(poison)).toMatchObject({
      status: 'failed',
      failureReason: 'processing was interrupted 3 times: the worker died while developing this photo (out of memory, or killed)',
      thumbnails: [],
    });
    const finished = await Promise.all(others.map(ended));
    expect(finished.map((u) => [u.status, u.thumbnails.length])).toEqual(others.map(() => ['done', 3]));

    // Parked for an operator, not lost and not looping.
    await stack.amqp(async (channel) => {
      const dead = await eventually('the poison message in the dead-letter queue', () => channel.checkQueue(stack.queues.deadQueue), (q) => q.messageCount === 1, 10_000);
      expect(dead.messageCount).toBe(1);
      expect((await channel.checkQueue(stack.queues.queue)).messageCount).toBe(0);
    });
  });

  it('npm run dlq: list shows the parked message and keeps it, replay develops it once the deaths stop, purge wants --yes', async () => {
    for (let i = 0; i < 2; i++) {
      const listed = await dlq('list');
      expect(listed.code).toBe(0);
      expect(listed.out).toContain(poison);
      expect(listed.out).toContain('1 message(s) in');
    }
    await stack.amqp(async (channel) => expect((await channel.checkQueue(stack.queues.deadQueue)).messageCount).toBe(1));

    // The operator gave the workers more memory: nothing kills them now.
    const replayed = await dlq('replay');
    expect(replayed).toEqual({ code: 0, out: expect.stringContaining(`upload ${poison}: failed → queued`) });
    expect(replayed.out).toContain('1 message(s) replayed');
    const developed = await eventually('the replayed photo to be developed', () => stack.view(user, poison), (u) => u.status === 'done', 60_000);
    expect(developed.thumbnails).toHaveLength(3);

    // Something no worker can read lands in the dead-letter queue too; purge drops it only when told twice.
    await stack.amqp(async (channel) => {
      channel.sendToQueue(stack.queues.queue, Buffer.from('not json'), { type: 'image.uploaded', messageId: 'junk-1', persistent: true });
      await eventually('the junk dead-lettered', () => channel.checkQueue(stack.queues.deadQueue), (q) => q.messageCount === 1, 20_000);
    });
    expect(await dlq('purge')).toEqual({ code: 2, out: expect.stringContaining('purge drops every message for good: add --yes') });
    expect(await dlq('purge', '--yes')).toEqual({ code: 0, out: expect.stringContaining('purged 1 message(s)') });
    expect(await dlq('sweep')).toEqual({ code: 2, out: expect.stringContaining('unknown command "sweep"') });
  });
});

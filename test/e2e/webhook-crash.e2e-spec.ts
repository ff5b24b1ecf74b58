import { once } from 'node:events';
import type { UserSession } from './support/api-client';
import { eventually } from './support/api-client';
import { smallJpeg } from './support/photos';
import { PrivateStack } from './support/private-stack';
import { startReceiver } from './support/webhook-receiver';

/**
 * A notifier SIGKILLed while its webhook attempts are in flight, on a stack of this suite's own (so no other
 * notifier takes the deliveries). The receiver holds every request of the second photo unanswered; the kill
 * leaves those deliveries claimed and unrecorded, and a new notifier sends them again once their lease has run
 * out (2 × WEBHOOK_TIMEOUT_MS + 5 s = 7 s here), with the same webhook-id. Deliveries recorded before the kill
 * (the first photo's) are never sent again.
 */
describe('webhook deliveries across a notifier crash', () => {
  const stack = new PrivateStack('whcrash', { WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_RETRY_SCHEDULE: '300ms,300ms', WEBHOOK_POLL_MS: '100' });
  let mode: 'answer' | 'hold' = 'answer';
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const FOLLOWERS = 4;

  beforeAll(async () => {
    receiver = await startReceiver(() => (mode === 'hold' ? 'hang' : 204));
    await stack.start();
  });

  afterAll(async () => {
    await stack.close();
    await receiver.close();
  });

  const idsOf = (from = 0) => receiver.received.slice(from).map((h) => String(h.headers['webhook-id']));
  const delivered = async (ids: string[]) =>
    Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM deliveries WHERE id = ANY($1::uuid[]) AND status = 'delivered'`, [ids]))[0]!.n);
  const pendingCount = async () => Number((await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`))[0]!.n);
  const post = async (owner: UserSession, seed: number) => {
    const id = await stack.upload(owner, await smallJpeg(seed), `crash-${seed}.jpg`);
    await eventually(`upload ${id} to be done`, () => stack.view(owner, id), (u) => u.status === 'done', 60_000);
  };

  it('sends every delivery after a restart, repeats carry the same webhook-id, and nothing recorded is sent again', async () => {
    const worker = await stack.worker('whcrash-worker');
    const first = await stack.notifier('whcrash-notifier-a');
    await Promise.all([worker.ready, first.ready]);
    const owner = await stack.signUp('whc_own');
    const followers = await Promise.all(Array.from({ length: FOLLOWERS }, (_, i) => stack.signUp(`whc_fan${i}`)));
    for (const [i, fan] of followers.entries()) {
      const headers = { authorization: `Bearer ${fan.token}`, 'content-type': 'application/json' };
      expect((await fetch(`${stack.apiUrl}/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: `${receiver.url}?fan=${i}` }) })).status).toBe(201);
      expect((await fetch(`${stack.apiUrl}/v1/users/${owner.handle}/follow`, { method: 'PUT', headers })).status).toBe(204);
    }

    // photo 1: every delivery made and recorded
    await post(owner, 501);
    await eventually('photo 1 to reach every follower', async () => receiver.received.length, (n) => n === FOLLOWERS, 30_000);
    const recordedBefore = idsOf();
    await eventually('photo 1 deliveries to be recorded', () => delivered(recordedBefore), (n) => n === FOLLOWERS, 30_000);

    // photo 2: the receiver holds every request; the notifier is killed with all of them in flight
    mode = 'hold';
    await post(owner, 502);
    await eventually('photo 2 attempts to be in flight', async () => receiver.openHanging(), (n) => n === FOLLOWERS, 30_000);
    const inFlight = idsOf(FOLLOWERS);
    first.app.child.kill('SIGKILL');
    await once(first.app.child, 'exit');
    expect(await delivered(inFlight)).toBe(0);

    // a new notifier sends them again once their lease runs out
    mode = 'answer';
    const second = await stack.notifier('whcrash-notifier-b');
    await second.ready;
    await eventually('photo 2 deliveries to be recorded', () => delivered(inFlight), (n) => n === FOLLOWERS, 60_000);
    const repeats = idsOf(2 * FOLLOWERS);
    expect(new Set(repeats)).toEqual(new Set(inFlight)); // the same webhook-ids, each once more

    // photo 3 is a marker: once it is delivered, the new notifier has looked for due deliveries since; none of
    // photo 1's and 2's came again
    await post(owner, 503);
    await eventually('photo 3 to reach every follower', async () => receiver.received.length, (n) => n === 4 * FOLLOWERS, 30_000);
    const counts = new Map<string, number>();
    for (const id of idsOf()) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of recordedBefore) expect(counts.get(id)).toBe(1);
    for (const id of inFlight) expect(counts.get(id)).toBe(2);
    await eventually('every delivery to be recorded', pendingCount, (n) => n === 0, 30_000);
    const rows = await stack.sql<{ status: string; attempts: number }>(`SELECT status, attempts FROM deliveries`);
    expect(rows).toHaveLength(3 * FOLLOWERS);
    // the killed attempts were never recorded: each delivery took one recorded attempt
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
  });
});

import type { FlowJob, FlowProducer } from 'bullmq';
import type { PinoLogger } from 'nestjs-pino';
import { Counter } from 'prom-client';
import { MemoryCache } from '@darkroom/cache';
import type { AppConfig } from '@darkroom/config';
import type { FanOutPageV1, UploadEventV1 } from '@darkroom/contracts';
import type { FanOutRepository, FollowerRange, RecordedNotification } from '@darkroom/database';
import type { LiveNotificationBatch, LiveNotificationPublisher } from '@darkroom/messaging';
import { FanOutService } from './fan-out.service';
import type { DeliveryDispatcher } from './webhooks/delivery-dispatcher';

const UPLOAD_ID = '11111111-1111-4111-8111-111111111111';
const OWNER_ID = '22222222-2222-4222-8222-222222222222';
const follower = (n: number) => `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`;
const EVENT: UploadEventV1 = { version: 1, uploadId: UPLOAD_ID, ownerId: OWNER_ID, requestId: 'req-1' };
const AT = '2026-12-02T10:00:00.000Z';

/** One notification as the publisher was asked to push it. */
interface Pushed {
  userId: string;
  kind: string;
  uploadId: string | null;
  handle: string;
}

describe('FanOutService', () => {
  let cache: MemoryCache;
  let published: Pushed[];
  let flows: FlowJob[];
  let followers: string[];
  let notified: Set<string>;
  /** Recipients who turned the stream off (the repository tells which of what it added may be pushed). */
  let streamMuted: Set<string>;
  let service: FanOutService;

  const page = (range: FollowerRange, n = 0): FanOutPageV1 => ({
    version: 1,
    uploadId: UPLOAD_ID,
    ownerId: OWNER_ID,
    actorHandle: 'ada',
    requestId: 'req-1',
    page: n,
    ...range,
  });

  beforeEach(() => {
    cache = new MemoryCache();
    published = [];
    flows = [];
    followers = [];
    notified = new Set();
    streamMuted = new Set();
    const row = (userId: string): RecordedNotification => ({ id: `${userId.slice(0, 24)}999999999999`, userId, createdAt: AT });
    // An in-memory stand-in with the repository's contract: pages are follower id ranges, inserts skip the notified.
    const repository = {
      handleOf: async () => 'ada',
      notifyOwner: async (_u: string, ownerId: string) => (notified.has(ownerId) ? null : (notified.add(ownerId), { ...row(ownerId), streamed: !streamMuted.has(ownerId) })),
      pageStarts: async (_f: string, size: number) => ({ followers: followers.length, starts: followers.filter((_, i) => i > 0 && i % size === 0) }),
      notifyPage: async (_u: string, _a: string, _k: string, range: FollowerRange) => {
        const inPage = followers.filter((id) => (range.from === null || id >= range.from) && (range.to === null || id < range.to));
        const added = inPage.filter((id) => !notified.has(id)).map((id) => (notified.add(id), row(id)));
        return { followerIds: inPage, added, streamed: added.filter((n) => !streamMuted.has(n.userId)) };
      },
      existing: async (_u: string, _k: string, userIds: readonly string[]) => userIds.filter((id) => notified.has(id)).map(row),
    } as unknown as FanOutRepository;
    const live = {
      publishBatch: async (b: LiveNotificationBatch) => void published.push(...b.recipients.map((r) => ({ userId: r.userId, kind: b.kind, uploadId: b.uploadId, handle: b.actor.handle }))),
    } as unknown as LiveNotificationPublisher;
    const flowProducer = { add: async (flow: FlowJob) => void flows.push(flow) } as unknown as FlowProducer;
    const log = { setContext: () => undefined, info: () => undefined } as unknown as PinoLogger;
    const config = { notifier: { fanOutBatchSize: 1000 }, redis: { fanOutQueue: 'fanout.q' }, email: { from: 'x', digestSeconds: 0, publicUrl: 'http://localhost' } } as AppConfig;
    service = new FanOutService(repository, live, cache, config, flowProducer, log, new Counter({ name: 'sent_spec', help: 'spec', labelNames: ['kind'], registers: [] }), { kick: () => undefined } as unknown as DeliveryDispatcher);
  });

  it('tells the owner first, refreshes their profile counts, and plans nothing for an upload without followers', async () => {
    await cache.write('profile', OWNER_ID, '0', { uploads: 0 });

    await service.onUploadEvent('upload.processed', EVENT, false);

    expect(published.map((d) => [d.userId, d.kind, d.handle])).toEqual([[OWNER_ID, 'upload.processed', 'ada']]);
    expect((await cache.read('profile', OWNER_ID)).value).toBeUndefined();
    expect(flows).toEqual([]);
  });

  it('plans one child job per page, open at both ends, with deterministic ids', async () => {
    followers = Array.from({ length: 2500 }, (_, i) => follower(i));

    await service.onUploadEvent('upload.processed', EVENT, false);

    expect(flows).toHaveLength(1);
    const [flow] = flows;
    expect(flow!.opts?.jobId).toBe(`fanout-${UPLOAD_ID}`);
    expect(flow!.queueName).toBe('fanout.q');
    expect(flow!.children!.map((c) => [c.opts?.jobId, (c.data as FanOutPageV1).from, (c.data as FanOutPageV1).to])).toEqual([
      [`fanout-${UPLOAD_ID}-p0`, null, follower(1000)],
      [`fanout-${UPLOAD_ID}-p1`, follower(1000), follower(2000)],
      [`fanout-${UPLOAD_ID}-p2`, follower(2000), null],
    ]);
  });

  it('tells only the owner of a failed upload', async () => {
    followers = [follower(1)];

    await service.onUploadEvent('upload.failed', EVENT, false);

    expect(published.map((d) => d.kind)).toEqual(['upload.failed']);
    expect(flows).toEqual([]);
  });

  it('writes each follower of a page once, invalidates their feeds, and pushes what it added', async () => {
    followers = [follower(1), follower(2), follower(3)];
    for (const id of followers) await cache.write('feed', id, '0', ['old page']);
    notified.add(follower(2)); // an earlier attempt got this far

    const result = await service.deliverPage(page({ from: null, to: null }), false);

    expect(result).toEqual({ followers: 3, notified: 2 });
    expect(published.map((d) => d.userId)).toEqual([follower(1), follower(3)]);
    expect(published.every((d) => d.kind === 'followee.posted' && d.uploadId === UPLOAD_ID)).toBe(true);
    for (const id of followers) expect((await cache.read('feed', id)).value).toBeUndefined();
  });

  it('counts every follower it notified but pushes only to those who take the kind on the stream', async () => {
    followers = [follower(1), follower(2), follower(3)];
    streamMuted.add(follower(2));

    const result = await service.deliverPage(page({ from: null, to: null }), false);

    expect(result).toEqual({ followers: 3, notified: 3 });
    expect(published.map((d) => d.userId)).toEqual([follower(1), follower(3)]);
  });

  it('does not push the owner an outcome they turned off on the stream', async () => {
    streamMuted.add(OWNER_ID);

    await service.onUploadEvent('upload.failed', EVENT, false);

    expect(published).toEqual([]);
  });

  it('on a retry adds nobody twice but pushes the whole page again (streams drop ids they have sent)', async () => {
    followers = [follower(1), follower(2)];
    await service.deliverPage(page({ from: null, to: null }), false);
    published = [];

    const result = await service.deliverPage(page({ from: null, to: null }), true);

    expect(result).toEqual({ followers: 2, notified: 0 });
    expect(published.map((d) => d.userId)).toEqual([follower(1), follower(2)]);
  });

  it('sums the pages when the flow is done', () => {
    const plannedAt = new Date().toISOString();
    const done = { version: 1 as const, uploadId: UPLOAD_ID, ownerId: OWNER_ID, requestId: 'r', pages: 2, plannedAt };
    expect(service.finish(done, [{ followers: 1000, notified: 1000 }, { followers: 5, notified: 4 }])).toEqual({ followers: 1005, notified: 1004 });
  });
});

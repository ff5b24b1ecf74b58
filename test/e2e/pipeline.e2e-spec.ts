import { createHash } from 'node:crypto';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { bearer, createUser, eventually, getUpload, postUpload, upload, UploadView, url, UserSession, waitForUpload } from './support/api-client';
import { readState } from './support/e2e-env';
import { dropPostgresConnections, dropRabbitConnections, dropRedisConnections } from './support/connections';
import { ENTRY, spawnApp, stopApp, waitUntilReady } from './support/app-process';
import { logLines, logLinesIn, sql, storedFiles } from './support/inspect';
import { freePort, LateProxy } from './support/late-proxy';
import { scrape, total } from './support/metrics';
import { grainyJpeg, hugeFlatJpeg, orientedJpeg12mp, pngWithAlpha, smallJpeg, truncatedJpeg, webp } from './support/photos';
import { connect } from 'amqplib';
import { Queue } from 'bullmq';

/** Fetches a thumbnail through its signed URL (no header, like an <img>) and checks it against what the API reported. */
async function expectThumbnailsMatchFiles(view: UploadView): Promise<Record<string, sharp.Metadata>> {
  expect(view.thumbnails.map((t) => t.variant).sort()).toEqual(['large', 'small', 'thumb']);
  const seen: Record<string, sharp.Metadata> = {};
  for (const thumbnail of view.thumbnails) {
    const response = await fetch(url(thumbnail.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await response.arrayBuffer());
    const metadata = await sharp(bytes).metadata();
    expect(metadata.format).toBe('webp');
    expect({ variant: thumbnail.variant, width: metadata.width, height: metadata.height, bytes: bytes.length }).toEqual({
      variant: thumbnail.variant,
      width: thumbnail.width,
      height: thumbnail.height,
      bytes: thumbnail.bytes,
    });
    expect(metadata.exif).toBeUndefined();
    expect(metadata.orientation).toBeUndefined();
    seen[thumbnail.variant] = metadata;
  }
  return seen;
}

/** GET /metrics of one of the processes global-setup started, parsed. */
const metricsOf = (name: string) => scrape(readState().processes.find((p) => p.name === name)!.health.replace('/health/ready', '/metrics'));

const size = (view: UploadView, variant: string) => {
  const t = view.thumbnails.find((x) => x.variant === variant)!;
  return [t.width, t.height];
};

describe('the path of one photo, through the real api, workers and notifier', () => {
  let alice: UserSession;
  let bob: UserSession;
  let jpegId: string;
  let truncatedId: string;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
  });

  it('signs users up with a token shown once, and refuses bad or taken handles', async () => {
    const me = await fetch(url('/v1/me'), { headers: bearer(alice) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: alice.id, handle: alice.handle });
    const [stored] = await sql<{ api_token_hash: string }>(`SELECT api_token_hash FROM users WHERE id = $1`, [alice.id]);
    expect(stored!.api_token_hash).not.toContain(alice.token);

    const post = (body: object) => fetch(url('/v1/users'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ handle: 'No Spaces!' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: [expect.stringMatching(/handle/)] });
    const taken = await post({ handle: alice.handle });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ statusCode: 409, message: expect.stringMatching(/taken/) });
  });

  it('develops a 12 MP JPEG with EXIF orientation 6 into three portrait webp variants without EXIF', async () => {
    const original = await orientedJpeg12mp();
    const requestId = `e2e-${readState().runId}-jpeg`;
    const started = Date.now();
    const response = await postUpload(alice, [{ data: original, name: 'IMG_0001.jpg', type: 'image/jpeg' }], {
      caption: 'red over blue, turned',
      headers: { 'x-request-id': requestId },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const accepted = (await response.json()) as { id: string; status: string };
    expect(accepted.status).toBe('queued');
    jpegId = accepted.id;

    const view = await waitForUpload(alice, jpegId);
    console.log(`12 MP JPEG (${original.length} bytes): upload to done in ${Date.now() - started} ms`);
    expect(view).toMatchObject({ status: 'done', width: 3000, height: 4000, mime: 'image/jpeg', bytes: original.length, originalName: 'IMG_0001.jpg' });
    expect(size(view, 'thumb')).toEqual([160, 160]);
    expect(size(view, 'small')).toEqual([360, 480]);
    expect(size(view, 'large')).toEqual([1080, 1440]);
    await expectThumbnailsMatchFiles(view);

    // Oriented, not merely relabelled: stored top (red) is displayed on the right.
    const large = await fetch(url(view.thumbnails.find((t) => t.variant === 'large')!.url));
    const { data, info } = await sharp(Buffer.from(await large.arrayBuffer())).resize(8, 8, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [lr, , lb] = pixel(0, 4);
    const [rr, , rb] = pixel(7, 4);
    expect(lb).toBeGreaterThan(lr!); // left is blue
    expect(rr).toBeGreaterThan(rb!); // right is red

    // The original comes back byte for byte, with the bearer header as well as signed.
    const originalResponse = await fetch(url(`/v1/uploads/${jpegId}/original`), { headers: bearer(alice) });
    expect(originalResponse.status).toBe(200);
    expect(originalResponse.headers.get('content-type')).toBe('image/jpeg');
    const roundTrip = Buffer.from(await originalResponse.arrayBuffer());
    expect(createHash('sha256').update(roundTrip).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
    // The worker recorded the sha256 of what was uploaded; the original's ETag is its id (those bytes never change).
    expect(await sql(`SELECT sha256 FROM uploads WHERE id = $1`, [jpegId])).toEqual([{ sha256: createHash('sha256').update(original).digest('hex') }]);
    expect(originalResponse.headers.get('etag')).toBe(`"${jpegId}"`);

    // Every hop logged the request id with the upload.
    const developed = [...logLines('worker-a'), ...logLines('worker-b')].find((l) => l.msg === 'upload developed' && l.uploadId === jpegId);
    // One line per job: upload, instance, variants, milliseconds, attempt.
    expect(developed).toMatchObject({
      requestId,
      uploadId: jpegId,
      service: 'worker',
      instance: expect.stringMatching(/^worker-[ab]$/),
      attempt: 1,
      ms: expect.any(Number),
      size: '3000x4000',
      variants: [expect.stringMatching(/^thumb 160x160 \d+B$/), expect.stringMatching(/^small 360x480 \d+B$/), expect.stringMatching(/^large 1080x1440 \d+B$/)],
    });
    expect(logLines('api').find((l) => l.msg === 'upload accepted' && l.uploadId === jpegId)).toMatchObject({ requestId, service: 'api' });
  });

  it('keeps the transparency of a PNG and never enlarges it', async () => {
    const id = await upload(alice, { data: await pngWithAlpha(), name: 'alpha.png', type: 'image/png' });
    const view = await waitForUpload(alice, id);
    expect(view).toMatchObject({ status: 'done', width: 800, height: 600, mime: 'image/png' });
    expect(size(view, 'small')).toEqual([480, 360]);
    expect(size(view, 'large')).toEqual([800, 600]);
    const seen = await expectThumbnailsMatchFiles(view);
    expect(seen.large!.hasAlpha).toBe(true);
  });

  it('develops a WebP', async () => {
    const id = await upload(alice, { data: await webp(1200, 900), name: 'pic.webp', type: 'image/webp' });
    const view = await waitForUpload(alice, id);
    expect(view).toMatchObject({ status: 'done', width: 1200, height: 900, mime: 'image/webp' });
    expect(size(view, 'thumb')).toEqual([160, 160]);
    expect(size(view, 'large')).toEqual([1200, 900]);
    await expectThumbnailsMatchFiles(view);
  });

  it('hides an upload from other users (404) and from anonymous callers (401)', async () => {
    const other = await fetch(url(`/v1/uploads/${jpegId}`), { headers: bearer(bob) });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await fetch(url(`/v1/uploads/${jpegId}/thumbnails/small`), { headers: bearer(bob) })).status).toBe(404);
    expect((await fetch(url(`/v1/uploads/${jpegId}/original`), { headers: bearer(bob) })).status).toBe(404);

    const anonymous = await fetch(url(`/v1/uploads/${jpegId}`));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect((await fetch(url(`/v1/uploads/${jpegId}/thumbnails/small`))).status).toBe(401);
    expect((await fetch(url(`/v1/uploads/${jpegId}`), { headers: bearer('drk_not-a-real-token') })).status).toBe(401);

    // A signed URL is bound to its path: the signature of one variant opens no other.
    const view = await getUpload(alice, jpegId);
    const signed = view.thumbnails.find((t) => t.variant === 'small')!.url;
    expect((await fetch(url(signed.replace('/small?', '/large?')))).status).toBe(401);
    expect((await fetch(url(signed.replace(/sig=[^&]+/, 'sig=forged')))).status).toBe(401);
    expect((await fetch(url(`/v1/uploads/not-a-uuid`), { headers: bearer(alice) })).status).toBe(400);
  });

  it('answers 415 with a JSON error to text named photo.jpg, and keeps no file and no row', async () => {
    const filesBefore = storedFiles();
    const response = await postUpload(alice, [{ data: Buffer.from('definitely not a photo\n'.repeat(100)), name: 'photo.jpg', type: 'image/jpeg' }]);
    expect(response.status).toBe(415);
    const body = (await response.json()) as { message: string };
    expect(body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    expect(body.message).toMatch(/photo\.jpg.*not a supported image/);
    expect(storedFiles()).toEqual(filesBefore);
    expect(await sql(`SELECT id FROM uploads WHERE original_name = 'photo.jpg' AND owner_id = $1`, [alice.id])).toEqual([]);
  });

  it('answers 413 to a file over MAX_UPLOAD_BYTES, and keeps nothing', async () => {
    const filesBefore = storedFiles();
    const rowsBefore = await sql(`SELECT count(*)::int AS n FROM uploads`);
    const response = await postUpload(alice, [{ data: randomBytes(readState().maxUploadBytes + 1024), name: 'huge.jpg', type: 'image/jpeg' }]);
    expect(response.status).toBe(413);
    const body = (await response.json()) as { message: string };
    expect(body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    expect(body.message).toMatch(/MAX_UPLOAD_BYTES/);
    expect(storedFiles()).toEqual(filesBefore);
    expect(await sql(`SELECT count(*)::int AS n FROM uploads`)).toEqual(rowsBefore);
  });

  it('answers 413 to an image with more pixels than MAX_INPUT_PIXELS, however small the file', async () => {
    const filesBefore = storedFiles();
    const bomb = await hugeFlatJpeg(8000, 6000); // 48 MP in a few hundred kilobytes
    expect(bomb.length).toBeLessThan(readState().maxUploadBytes);
    const response = await postUpload(alice, [{ data: bomb, name: 'bomb.jpg', type: 'image/jpeg' }]);
    expect(response.status).toBe(413);
    const body = (await response.json()) as { message: string };
    expect(body.message).toMatch(/8000×6000.*MAX_INPUT_PIXELS/);
    expect(storedFiles()).toEqual(filesBefore);
    expect(await sql(`SELECT id FROM uploads WHERE original_name = 'bomb.jpg'`)).toEqual([]);
  });

  it('answers 400 to a request with no file or with two', async () => {
    const none = await fetch(url('/v1/uploads'), { method: 'POST', headers: bearer(alice), body: new FormData() });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { message: string }).message).toMatch(/field named "file"/);
    const jpeg = await smallJpeg(1);
    const two = await postUpload(alice, [
      { data: jpeg, name: 'a.jpg', type: 'image/jpeg' },
      { data: jpeg, name: 'b.jpg', type: 'image/jpeg' },
    ]);
    expect(two.status).toBe(400);
    expect(await two.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/exactly one file/) });
  });

  it('marks a truncated JPEG failed with a reason a person understands', async () => {
    truncatedId = await upload(alice, { data: await truncatedJpeg(), name: 'cut.jpg', type: 'image/jpeg' });
    const view = await waitForUpload(alice, truncatedId);
    expect(view.status).toBe('failed');
    expect(view.failureReason).toMatch(/truncated|incomplete|damaged/);
    expect(view.thumbnails).toEqual([]);
  });

  it('notifies the owner of each outcome, and nobody else', async () => {
    const kindsFor = async (session: UserSession) => {
      const response = await fetch(url('/v1/notifications'), { headers: bearer(session) });
      expect(response.status).toBe(200);
      return ((await response.json()) as { items: Array<{ kind: string; uploadId: string; actor: { handle: string } }> }).items;
    };
    const items = await eventually(
      'the owner to be notified',
      () => kindsFor(alice),
      (list) => list.some((n) => n.uploadId === jpegId) && list.some((n) => n.uploadId === truncatedId),
    );
    expect(items.find((n) => n.uploadId === jpegId)).toMatchObject({ kind: 'upload.processed', actor: { handle: alice.handle } });
    expect(items.find((n) => n.uploadId === truncatedId)).toMatchObject({ kind: 'upload.failed' });
    expect(items.filter((n) => n.uploadId === jpegId)).toHaveLength(1);
    expect(await kindsFor(bob)).toEqual([]);
  });

  it('changes nothing when every event of an upload is replayed (outbox rows and a duplicate job)', async () => {
    const { redisUrl, redisPrefix } = readState();
    const before = await getUpload(alice, jpegId);
    const queue = new Queue('notifications', { connection: { url: redisUrl }, prefix: redisPrefix });
    try {
      const jobId = `upload-${jpegId}-processed`;
      const original = await queue.getJob(jobId);
      expect(original).toBeDefined();

      // The relays publish both of the upload's outbox rows again, as after a crash between publish and mark.
      const replayed = await sql(`UPDATE outbox SET published_at = NULL WHERE payload->>'uploadId' = $1 RETURNING topic`, [jpegId]);
      expect(replayed.map((r) => r.topic).sort()).toEqual(['image.uploaded', 'upload.processed']);
      await eventually(
        'the replayed rows to be published',
        () => sql(`SELECT id FROM outbox WHERE payload->>'uploadId' = $1 AND published_at IS NULL`, [jpegId]),
        (rows) => rows.length === 0,
      );
      // The worker gets image.uploaded again and leaves the finished upload alone.
      await eventually(
        'a worker to skip the replayed message',
        async () => [...logLines('worker-a'), ...logLines('worker-b')].filter((l) => l.uploadId === jpegId && /already finished/.test(l.msg)),
        (lines) => lines.length >= 1,
      );
      // BullMQ keeps the job under its deterministic id: the replay added nothing.
      expect((await queue.getJob(jobId))?.timestamp).toBe(original!.timestamp);

      // A duplicate that escaped deduplication reaches the notifier, which records nothing new.
      const duplicate = await queue.add('upload.processed', original!.data, { jobId: `replay-${jpegId}` });
      await eventually('the duplicate job to be processed', () => duplicate.getState(), (state) => state === 'completed');
    } finally {
      await queue.close();
    }
    const notifications = (await (await fetch(url('/v1/notifications'), { headers: bearer(alice) })).json()) as { items: Array<{ uploadId: string }> };
    expect(notifications.items.filter((n) => n.uploadId === jpegId)).toHaveLength(1);
    expect(logLines('notifier').some((l) => l.uploadId === jpegId && l.msg === 'notification already recorded')).toBe(true);
    expect(await getUpload(alice, jpegId)).toEqual({ ...before, thumbnails: expect.any(Array), originalUrl: expect.any(String) });
    expect((await getUpload(alice, jpegId)).thumbnails.map((t) => [t.variant, t.bytes])).toEqual(before.thumbnails.map((t) => [t.variant, t.bytes]));
  });

  it('shares a batch of 20 uploads between both worker instances, each developed once', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, async (_, i) => upload(bob, { data: await smallJpeg(i + 2), name: `batch-${i}.jpg` })));
    const views = await Promise.all(ids.map((id) => waitForUpload(bob, id)));
    expect(views.map((v) => v.status)).toEqual(ids.map(() => 'done'));

    const batch = new Set(ids);
    const developedBy = (instance: string) => logLines(instance).filter((l) => l.msg === 'upload developed' && batch.has(l.uploadId ?? ''));
    const a = developedBy('worker-a');
    const b = developedBy('worker-b');
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.every((l) => l.instance === 'worker-a') && b.every((l) => l.instance === 'worker-b')).toBe(true);
    expect(new Set([...a, ...b].map((l) => l.uploadId)).size).toBe(20);
    expect(a.length + b.length).toBe(20);

    const page = await fetch(url('/v1/uploads?limit=5'), { headers: bearer(bob) });
    const first = (await page.json()) as { items: UploadView[]; nextCursor: string };
    expect(first.items).toHaveLength(5);
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  it('counts what happened in Prometheus metrics on /metrics of every process, labelled by service and replica', async () => {
    const state = readState();
    const developedInLogs = (instance: string) => logLines(instance).filter((l) => l.msg === 'upload developed').length;

    const api = await metricsOf('api');
    const accepted = logLines('api').filter((l) => l.msg === 'upload accepted').length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(total(api, 'darkroom_uploads_accepted_total', { service: 'api', replica: 'api' })).toBe(accepted);
    // the route template, never the id-bearing URL
    expect(total(api, 'darkroom_http_request_duration_seconds_count', { method: 'POST', route: '/v1/uploads', status_code: '202' })).toBe(accepted);
    expect(total(api, 'darkroom_http_request_duration_seconds_count', { method: 'GET', route: '/v1/uploads/:id' })).toBeGreaterThan(0);
    expect(api.some((s) => s.labels.route?.includes(jpegId))).toBe(false);
    const unmatched = (samples: typeof api) => total(samples, 'darkroom_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' });
    const before = unmatched(api);
    expect((await fetch(url('/no/such/route'))).status).toBe(404);
    expect(unmatched(await metricsOf('api'))).toBe(before + 1);
    expect(api.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);

    for (const replica of ['worker-a', 'worker-b']) {
      const worker = await metricsOf(replica);
      const { queue, retryQueue, deadQueue } = state.queues;
      expect(total(worker, 'darkroom_uploads_developed_total', { service: 'worker', replica, result: 'done' })).toBe(developedInLogs(replica));
      expect(total(worker, 'darkroom_jobs_total', { replica, queue, outcome: 'processed' })).toBeGreaterThanOrEqual(developedInLogs(replica));
      expect(total(worker, 'darkroom_job_duration_seconds_count', { replica, queue })).toBe(total(worker, 'darkroom_jobs_total', { replica, queue }));
      const depths = worker.filter((s) => s.name === 'darkroom_queue_depth').map((s) => `${s.labels.queue} ${s.labels.state}`);
      expect(depths).toEqual(
        expect.arrayContaining([`${queue} ready`, `${retryQueue} delayed`, `${deadQueue} dead`, ...['waiting', 'delayed', 'active', 'failed'].map((st) => `notifications ${st}`)]),
      );
    }

    // Other suites upload, and delete uploads (with their notifications), on this stack meanwhile: every row was
    // counted, so the counter is at least the rows; and this suite's own next notification moves it.
    const processedRows = async () => Number((await sql<{ count: string }>(`SELECT count(*) FROM notifications WHERE kind = 'upload.processed'`))[0]!.count);
    const sent = async () => total(await metricsOf('notifier'), 'darkroom_notifications_sent_total', { service: 'notifier', kind: 'upload.processed' });
    const rows = await processedRows();
    const counted = await sent();
    expect(counted).toBeGreaterThanOrEqual(rows);
    const id = await upload(alice, { data: await smallJpeg(77), name: 'counted.jpg', type: 'image/jpeg' });
    await eventually('its upload.processed notification', () => sql(`SELECT 1 FROM notifications WHERE upload_id = $1 AND kind = 'upload.processed'`, [id]), (r) => r.length === 1);
    expect(await sent()).toBeGreaterThanOrEqual(counted + 1);
  });

  it('publishes its API description at /docs', async () => {
    const page = await fetch(url('/docs'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const spec = (await (await fetch(url('/docs/openapi.json'))).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/users', '/v1/uploads', '/v1/uploads/{id}', '/v1/notifications', '/health/ready']));
  });

  it('parks messages that break the image.uploaded contract in the dead-letter queue', async () => {
    const { queues, rabbitUrl } = readState();
    const connection = await connect(rabbitUrl);
    try {
      const channel = await connection.createConfirmChannel();
      const before = (await channel.checkQueue(queues.deadQueue)).messageCount;
      // What a non-Nest producer might send by mistake: plain JSON missing fields, and not JSON at all.
      channel.publish(queues.exchange, 'image.uploaded', Buffer.from(JSON.stringify({ version: 1, uploadId: 'nope' })), { type: 'image.uploaded', persistent: true });
      channel.publish(queues.exchange, 'image.uploaded', Buffer.from('{not json'), { type: 'image.uploaded', persistent: true });
      await channel.waitForConfirms();
      await eventually('two dead-lettered messages', async () => (await channel.checkQueue(queues.deadQueue)).messageCount, (n) => n >= before + 2, 20_000);
      // the workers' queue-depth gauge reports what RabbitMQ holds
      const parked = (await channel.checkQueue(queues.deadQueue)).messageCount;
      await eventually('the queue-depth gauge to report the dead-letter queue', () => metricsOf('worker-a'), (a) => total(a, 'darkroom_queue_depth', { queue: queues.deadQueue, state: 'dead' }) === parked, 10_000);
      const [a, b] = await Promise.all([metricsOf('worker-a'), metricsOf('worker-b')]);
      const deadLettered = total(a, 'darkroom_jobs_total', { outcome: 'dead_lettered' }) + total(b, 'darkroom_jobs_total', { outcome: 'dead_lettered' });
      expect(deadLettered).toBeGreaterThanOrEqual(2);
    } finally {
      await connection.close();
    }
    const complaints = [...logLines('worker-a'), ...logLines('worker-b')].filter((l) => /contract|not JSON/.test(l.msg));
    expect(complaints.length).toBeGreaterThanOrEqual(2);
  });

  it('starts before Postgres, Redis and RabbitMQ accept connections, logs every attempt, and is ready once they do', async () => {
    const state = readState();
    const viaProxy = (url: string, proxy: LateProxy) => Object.assign(new URL(url), { port: String(proxy.port) }).toString();
    const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);
    const [postgres, redis, rabbit] = await Promise.all([
      LateProxy.reserve(portOf(state.databaseUrl, 5432)),
      LateProxy.reserve(portOf(state.redisUrl, 6379)),
      LateProxy.reserve(portOf(state.rabbitUrl, 5672)),
    ]);
    const healthPort = await freePort();
    const late = spawnApp(
      'worker-late',
      ENTRY.worker,
      {
        ...state.appEnv,
        DATABASE_URL: viaProxy(state.databaseUrl, postgres),
        REDIS_URL: viaProxy(state.redisUrl, redis),
        RABBITMQ_URL: viaProxy(state.rabbitUrl, rabbit),
        WORKER_HTTP_PORT: String(healthPort),
        CONNECT_BACKOFF_MAX_MS: '1000',
      },
      state.logsDir,
    );
    const attempts = (context: string) => logLinesIn(late.log).filter((l) => l.context === context && /attempt \d+/.test(l.msg)).length;
    try {
      await eventually('attempts on Postgres and Redis', async () => [attempts('Database'), attempts('Redis:notifications-producer')], ([p, r]) => p! >= 2 && r! >= 2);
      await Promise.all([postgres.open(), redis.open()]);
      await eventually('attempts on RabbitMQ', async () => attempts('RabbitMQ'), (n) => n >= 2);
      expect((await fetch(`http://127.0.0.1:${healthPort}/health/live`).catch(() => undefined))?.status).not.toBe(200); // not serving yet
      await rabbit.open();
      await waitUntilReady(late, `http://127.0.0.1:${healthPort}/health/ready`);
      const lines = logLinesIn(late.log);
      expect(lines.some((l) => l.context === 'Database' && /connected after \d+ attempts/.test(l.msg))).toBe(true);
      expect(lines.some((l) => l.msg === 'consuming')).toBe(true);
    } finally {
      await stopApp(late.child);
      await Promise.all([postgres.close(), redis.close(), rabbit.close()]);
    }
  });

  it('recovers when the images queue is deleted under the running workers, losing no upload', async () => {
    const { queues, rabbitUrl } = readState();
    const since = Date.now();
    const connection = await connect(rabbitUrl);
    try {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queues.queue);
    } finally {
      await connection.close();
    }
    // Published before the workers have declared the queue again, this one is unroutable: the broker returns it,
    // the outbox row stays unpublished, and the relay tries again until a queue takes it.
    const id = await upload(alice, { data: await smallJpeg(77), name: 'while-the-queue-was-gone.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(alice, id)).status).toBe('done');
    for (const name of ['worker-a', 'worker-b']) {
      await eventually(
        `${name} to consume the re-declared queue`,
        async () => logLines(name).filter((l) => Number(l.time) >= since).map((l) => l.msg),
        (msgs) => msgs.some((m) => /cancelled the consumer/.test(m)) && msgs.some((m) => m === 'consuming'),
      );
    }
    for (const proc of readState().processes) {
      await eventually(`${proc.name} to be ready`, async () => (await fetch(proc.health)).status, (status) => status === 200);
    }
  });

  it('reconnects to Postgres, RabbitMQ and Redis when its connections are cut, and goes on working', async () => {
    const since = Date.now();
    const [rabbit, postgres, redis] = await Promise.all([dropRabbitConnections(), dropPostgresConnections(), dropRedisConnections()]);
    expect(rabbit).toBe(3); // api, worker-a, worker-b
    expect(postgres).toBeGreaterThanOrEqual(4); // at least one pooled connection per process
    expect(redis).toBeGreaterThanOrEqual(5); // api health; per worker a producer; notifier's blocking worker (+ BullMQ's own)

    for (const name of ['api', 'worker-a', 'worker-b']) {
      await eventually(
        `${name} to log that RabbitMQ dropped and came back`,
        async () => logLines(name).filter((l) => Number(l.time) >= since && l.context === 'RabbitMQ').map((l) => l.msg),
        (msgs) => msgs.some((m) => m.startsWith('connection lost')) && msgs.some((m) => m.startsWith('connected')),
      );
    }
    for (const proc of readState().processes) {
      await eventually(`${proc.name} to be ready again`, async () => (await fetch(proc.health)).status, (status) => status === 200);
    }

    const id = await upload(alice, { data: await smallJpeg(99), name: 'after-the-cut.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(alice, id)).status).toBe('done');
    await eventually(
      'the notification of the upload after the cut',
      async () => ((await (await fetch(url('/v1/notifications'), { headers: bearer(alice) })).json()) as { items: Array<{ uploadId: string }> }).items,
      (items) => items.some((n) => n.uploadId === id),
    );
    for (const proc of readState().processes) expect(process.kill(proc.pid, 0)).toBe(true); // nobody crashed
  });

  // Last: it kills worker-b for good.
  it('loses nothing when a worker is killed (SIGKILL) in the middle of a batch', async () => {
    const photos = await Promise.all(Array.from({ length: 16 }, () => grainyJpeg(2400, 1800)));
    const ids = await Promise.all(photos.map((data, i) => upload(bob, { data, name: `kill-${i}.jpg`, type: 'image/jpeg' })));
    const batch = new Set(ids);
    const workerB = readState().processes.find((p) => p.name === 'worker-b')!;
    await eventually(
      'worker-b to be busy with the batch',
      async () => logLines('worker-b').filter((l) => l.msg === 'upload developed' && batch.has(l.uploadId ?? '')).length,
      (n) => n >= 1,
    );
    process.kill(workerB.pid, 'SIGKILL');

    const views = await Promise.all(ids.map((id) => waitForUpload(bob, id, 90_000)));
    expect(views.map((v) => [v.status, v.thumbnails.length])).toEqual(ids.map(() => ['done', 3]));
    // worker-b died holding unacknowledged messages; the broker handed them to worker-a.
    const redelivered = logLines('worker-a').filter((l) => l.msg === 'upload developed' && batch.has(l.uploadId ?? '') && l.redelivered === true);
    expect(redelivered.length).toBeGreaterThanOrEqual(1);
    const rows = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM thumbnails WHERE upload_id = ANY($1)`, [ids]);
    expect(rows[0]!.n).toBe(16 * 3);
  });

  it('stops by itself on SIGTERM while a keep-alive client keeps polling /metrics, as Prometheus does', async () => {
    const state = readState();
    const [apiPort, workerPort, notifierPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const apps = [
      { app: spawnApp('api-term', ENTRY.api, { ...state.appEnv, API_PORT: String(apiPort) }, state.logsDir), port: apiPort },
      { app: spawnApp('worker-term', ENTRY.worker, { ...state.appEnv, WORKER_HTTP_PORT: String(workerPort) }, state.logsDir), port: workerPort },
      { app: spawnApp('notifier-term', ENTRY.notifier, { ...state.appEnv, NOTIFIER_HTTP_PORT: String(notifierPort) }, state.logsDir), port: notifierPort },
    ];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let polling = true;
    // Four kept-alive connections per app, each asking again as soon as it has its answer: never all quiet,
    // so a server that waits for its connections to go idle before closing never closes.
    const poll = (port: number): void => {
      if (!polling) return;
      http
        .get({ host: '127.0.0.1', port, path: '/metrics', agent }, (r) => r.resume().on('end', () => poll(port)))
        .on('error', () => setTimeout(() => poll(port), 20));
    };
    try {
      await Promise.all(apps.map(({ app, port }) => waitUntilReady(app, `http://127.0.0.1:${port}/health/ready`)));
      for (const { port } of apps) for (let i = 0; i < 4; i++) poll(port);
      await eventually('a kept-alive connection to each app', async () => Object.keys(agent.sockets).length, (hosts) => hosts === apps.length, 5_000);
      const exits = apps.map(({ app }) => new Promise<string | null>((resolveExit) => app.child.once('exit', (_code, signal) => resolveExit(signal))));
      for (const { app } of apps) app.child.kill('SIGTERM');
      // Nest re-raises SIGTERM once its shutdown is done; stopApp below would SIGKILL a process still hanging after 15 s
      const signals = await Promise.race([Promise.all(exits), new Promise<string>((resolveLate) => setTimeout(() => resolveLate('still running after 10 s'), 10_000))]);
      expect(signals).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
      expect(logLinesIn(apps[1]!.app.log).map((l) => l.msg)).toEqual(expect.arrayContaining(['stopped consuming; finishing the jobs in hand', 'consumer closed']));
    } finally {
      polling = false;
      agent.destroy();
      await Promise.all(apps.map(({ app }) => stopApp(app.child)));
    }
  });

  it('has written nothing but JSON log lines, from every process, through all of the above', () => {
    const { logsDir } = readState();
    for (const file of readdirSync(logsDir)) {
      const stray = readFileSync(join(logsDir, file), 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('{'));
      expect({ file, stray: stray.slice(0, 3) }).toEqual({ file, stray: [] });
    }
  });
});

import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { dataSourceOptions, decodeCursor, DeliveriesRepository, NotificationsRepository, OutboxRepository, type OutboxRow, runMigrations, UploadsRepository } from '@darkroom/database';
import { readState } from './support/e2e-env';

/**
 * The repositories' SQL against the real Postgres, in a database of the suite's own (its rows, written
 * directly, must not show in what other suites count): keyset pages walked through ties, and the
 * statements the reconciler, the worker and the outbox relay rely on.
 */
describe('repositories against Postgres', () => {
  let db: DataSource;
  let uploads: UploadsRepository;
  let owner: string;
  const AT = new Date('2026-11-30T12:00:00.000Z');

  const newUpload = async (createdAt: Date, status = 'queued'): Promise<string> => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, created_at) VALUES ($1, $2, $3, 'image/jpeg', 1, 'x', $4, $5)`,
      [id, owner, `originals/2026/11/${id}`, status, createdAt],
    );
    return id;
  };

  const state = readState();
  const databaseName = `darkroom_e2e_${state.runId}_repos`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: state.adminDatabaseUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${databaseName}`);
    const url = state.databaseUrl.replace(/[^/]+$/, databaseName);
    await runMigrations(url);
    db = new DataSource(dataSourceOptions(url, 'darkroom-e2e-repositories'));
    await db.initialize();
    uploads = new UploadsRepository(db);
    [{ id: owner }] = await db.query(`INSERT INTO users (handle, api_token_hash) VALUES ($1, md5(random()::text)) RETURNING id`, [`repo_${readState().runId}`.slice(0, 30)]);
  });

  afterAll(async () => {
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  });

  it('pages uploads newest first through a run of equal timestamps: second and later pages repeat and skip nothing', async () => {
    // 7 uploads at one instant between one newer and one older: pages of 3 must cut through the tie.
    const ids = [await newUpload(new Date(AT.getTime() + 1000)), ...(await Promise.all(Array.from({ length: 7 }, () => newUpload(AT)))), await newUpload(new Date(AT.getTime() - 1000))];
    const expected = (await db.query(`SELECT id FROM uploads WHERE owner_id = $1 ORDER BY created_at DESC, id DESC`, [owner])).map((r: { id: string }) => r.id);
    expect(new Set(expected)).toEqual(new Set(ids));

    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = await uploads.listByOwner(owner, cursor ? decodeCursor(cursor) : null, 3);
      walked.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(walked).toEqual(expected);
    expect(pages).toBe(3);
  });

  it('pages notifications the same way, and the unread filter keeps to its own rows', async () => {
    const upload = await newUpload(AT, 'done');
    // Five notifications of one instant (kinds differ: the unique key is per user, kind and upload).
    const made: Array<{ id: string }> = [];
    for (const kind of ['upload.processed', 'upload.failed', 'followee.posted']) {
      made.push(...(await db.query(`INSERT INTO notifications (user_id, kind, upload_id, actor_id, created_at) VALUES ($1, $2, $3, $1, $4) RETURNING id`, [owner, kind, upload, AT])));
    }
    await db.query(`UPDATE notifications SET read_at = now() WHERE id = $1`, [made[1]!.id]);
    const notifications = new NotificationsRepository(db);
    const walk = async (unreadOnly: boolean): Promise<string[]> => {
      const seen: string[] = [];
      let after = null;
      for (;;) {
        const page: { items: Array<{ id: string }>; nextCursor: string | null } = await notifications.listForUser(owner, { unreadOnly, after, limit: 1 });
        seen.push(...page.items.map((n) => n.id));
        if (!page.nextCursor) return seen;
        after = decodeCursor(page.nextCursor);
      }
    };
    const byIdDesc = made.map((n) => n.id).sort().reverse();
    expect(await walk(false)).toEqual(byIdDesc);
    expect(await walk(true)).toEqual(byIdDesc.filter((id) => id !== made[1]!.id));
  });

  it('counts an attempt that finds the upload still processing as interrupted, and not one that follows a release', async () => {
    const id = await newUpload(AT);
    expect(await uploads.startAttempt(id)).toEqual({ interrupted: 0 });
    expect(await uploads.startAttempt(id)).toEqual({ interrupted: 1 }); // the first attempt's worker died
    await uploads.releaseAttempt(id); // a deferral lets go
    expect(await uploads.startAttempt(id)).toEqual({ interrupted: 1 });
    const [row] = await db.query(`SELECT status, attempts FROM uploads WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'processing', attempts: 3 });

    await db.query(`UPDATE uploads SET status = 'failed', failure_reason = 'x' WHERE id = $1`, [id]);
    expect(await uploads.startAttempt(id)).toBeNull();
    expect(await uploads.requeueFailed(id)).toBe(true);
    expect(await uploads.requeueFailed(id)).toBe(false); // queued now, not failed
    expect(await uploads.startAttempt(id)).toEqual({ interrupted: 0 });
  });

  it('republishes only unfinished uploads silent for longer than asked, each once even with two reconcilers at it', async () => {
    const silent = await newUpload(AT);
    const fresh = await newUpload(AT);
    const done = await newUpload(AT, 'done');
    await db.query(`UPDATE uploads SET touched_at = now() - interval '10 minutes' WHERE id = ANY($1::uuid[])`, [[silent, done]]);

    const eventOf = (u: { id: string }) => ({ topic: 'spec.republished', payload: { uploadId: u.id } });
    const [a, b] = await Promise.all([uploads.republishSilent(300, 100, eventOf), uploads.republishSilent(300, 100, eventOf)]);
    expect([...a, ...b].map((u) => u.id)).toEqual([silent]);
    expect(await db.query(`SELECT payload->>'uploadId' AS id FROM outbox WHERE topic = 'spec.republished'`)).toEqual([{ id: silent }]);
    // Its clock was reset: not again until it is silent again.
    expect(await uploads.republishSilent(300, 100, eventOf)).toEqual([]);
    expect(await uploads.existingIds([silent, fresh, randomUUID()])).toEqual(new Set([silent, fresh]));
  });

  it('records a queued upload and its outbox event in one statement: both rows, or neither', async () => {
    const topic = `spec.insert.${readState().runId}`;
    const row = (id: string, ownerId: string) => ({ id, ownerId, caption: 'a caption', originalKey: `originals/2026/12/${id}`, originalName: 'IMG_1.jpg', mime: 'image/jpeg', bytes: 5_000_000, createdAt: AT });
    const id = randomUUID();

    await uploads.insertQueued(row(id, owner), { topic, payload: { uploadId: id } });

    expect(await db.query(`SELECT status, attempts, caption, original_name AS "originalName", bytes::int, sha256, created_at AS "createdAt", touched_at IS NOT NULL AS touched FROM uploads WHERE id = $1`, [id])).toEqual([
      // no sha256 yet: the worker that develops the upload records it
      { status: 'queued', attempts: 0, caption: 'a caption', originalName: 'IMG_1.jpg', bytes: 5_000_000, sha256: null, createdAt: AT, touched: true },
    ]);
    expect(await db.query(`SELECT payload FROM outbox WHERE topic = $1`, [topic])).toEqual([{ payload: { uploadId: id } }]);

    // An owner that does not exist fails the upload's INSERT: the event must not be recorded without it.
    const orphan = randomUUID();
    await expect(uploads.insertQueued(row(orphan, randomUUID()), { topic, payload: { uploadId: orphan } })).rejects.toThrow(/foreign key/);
    expect(await db.query(`SELECT count(*)::int AS n FROM uploads WHERE id = $1`, [orphan])).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = $1`, [topic])).toEqual([{ n: 1 }]);
  });

  it('claims due webhook deliveries with at most so many in flight per endpoint, and never e-mail rows', async () => {
    const deliveries = new DeliveriesRepository(db);
    const endpoint = async () => (await db.query(`INSERT INTO webhook_endpoints (user_id, url, kinds, secret) VALUES ($1, 'http://127.0.0.1:9/x', ARRAY['upload.processed'], 'whsec_x') RETURNING id`, [owner]))[0].id as string;
    const [busy, quiet] = [await endpoint(), await endpoint()];
    const notification = async () => {
      const uploadId = await newUpload(AT, 'done');
      return (await db.query(`INSERT INTO notifications (user_id, kind, upload_id, actor_id) VALUES ($1, 'upload.processed', $2, $1) RETURNING id`, [owner, uploadId]))[0].id as string;
    };
    for (let i = 0; i < 6; i++) await db.query(`INSERT INTO deliveries (notification_id, channel, endpoint_id) VALUES ($1, 'webhook', $2)`, [await notification(), busy]);
    await db.query(`INSERT INTO deliveries (notification_id, channel, endpoint_id) VALUES ($1, 'webhook', $2)`, [await notification(), quiet]);
    for (let i = 0; i < 3; i++) await db.query(`INSERT INTO deliveries (notification_id, channel) VALUES ($1, 'email')`, [await notification()]);

    const first = await deliveries.claimDue(10, 60, 2);
    expect(first.filter((d) => d.endpointId === busy)).toHaveLength(2);
    expect(first.filter((d) => d.endpointId === quiet)).toHaveLength(1);
    expect(first).toHaveLength(3); // the e-mail rows are not webhook deliveries
    // the busy endpoint still has two in flight: nothing more for it until one is recorded
    expect(await deliveries.claimDue(10, 60, 2)).toEqual([]);
    await deliveries.recordAttempt(first.find((d) => d.endpointId === busy)!.id, { delivered: true, statusCode: 204 });
    const next = await deliveries.claimDue(10, 60, 2);
    expect(next.map((d) => d.endpointId)).toEqual([busy]);
  });

  it('leases outbox rows: another relay skips them while leased, a failed publish gives the rest back at once', async () => {
    const outbox = new OutboxRepository(db);
    const topic = `spec.lease.${readState().runId}`;
    for (let i = 0; i < 3; i++) await db.query(`INSERT INTO outbox (topic, payload) VALUES ($1, $2)`, [topic, JSON.stringify({ n: i })]);

    // Relay A holds its first row mid-publish; relay B, meanwhile, gets nothing of A's batch.
    let release!: () => void;
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    const publishing = new Promise<void>((resolve) => (started = resolve));
    const seenByA: OutboxRow[] = [];
    const passA = outbox.publishPending([topic], 10, async (row) => {
      seenByA.push(row);
      if (seenByA.length === 1) {
        started();
        await holding;
      }
      if (seenByA.length === 2) throw new Error('broker went away');
    });
    await publishing;
    const passB = await outbox.publishPending([topic], 10, async () => undefined);
    expect(passB).toEqual({ published: 0, claimed: 0, error: undefined });
    // No transaction is open while A publishes: the rows are only leased.
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'darkroom-e2e-repositories' AND state = 'idle in transaction'`);
    expect(n).toBe(0);

    release();
    const resultA = await passA;
    expect(resultA).toMatchObject({ published: 1, claimed: 3 });
    expect((resultA.error as Error).message).toBe('broker went away');
    const rows = await db.query(`SELECT payload->>'n' AS n, published_at IS NOT NULL AS published, claimed_until IS NOT NULL AS leased FROM outbox WHERE topic = $1 ORDER BY id`, [topic]);
    expect(rows).toEqual([
      { n: '0', published: true, leased: false },
      { n: '1', published: false, leased: false },
      { n: '2', published: false, leased: false },
    ]);
    // Given back: the next pass of any relay takes them in order.
    const order: string[] = [];
    expect(await outbox.publishPending([topic], 10, async (row) => void order.push(String(row.payload.n)))).toEqual({ published: 2, claimed: 2, error: undefined });
    expect(order).toEqual(['1', '2']);
  });
});

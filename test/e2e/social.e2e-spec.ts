import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { FeedRepository } from '@darkroom/database';
import { bearer, createUser, getUpload, upload, url, UserSession, waitForUpload } from './support/api-client';
import { readState } from './support/e2e-env';
import { sql } from './support/inspect';
import { smallJpeg } from './support/photos';

interface Profile {
  id: string;
  handle: string;
  displayName: string | null;
  createdAt: string;
  followers: number;
  following: number;
  uploads: number;
  followedByMe: boolean;
}

interface FollowItem {
  id: string;
  handle: string;
  displayName: string | null;
  followedAt: string;
}

interface FeedItem {
  id: string;
  status: string;
  owner: { id: string; handle: string };
  thumbnails: Array<{ variant: string; url: string }>;
  originalUrl: string;
  [field: string]: unknown;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function call(method: string, path: string, session?: UserSession): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url(path), { method, headers: session ? bearer(session) : {} });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function getJson<T>(path: string, session: UserSession): Promise<T> {
  const { status, body } = await call('GET', path, session);
  if (status !== 200) throw new Error(`GET ${path} → ${status} ${JSON.stringify(body)}`);
  return body as T;
}

const follow = (who: UserSession, handle: string) => call('PUT', `/v1/users/${handle}/follow`, who);
const unfollow = (who: UserSession, handle: string) => call('DELETE', `/v1/users/${handle}/follow`, who);
const profile = (viewer: UserSession, handle: string) => getJson<Profile>(`/v1/users/${handle}`, viewer);
const feed = (viewer: UserSession, query = '') => getJson<Page<FeedItem>>(`/v1/feed${query}`, viewer);
const feedIds = async (viewer: UserSession) => (await feed(viewer)).items.map((i) => i.id);

/** Follows nextCursor to the end; fails on a page larger than `limit` or a loop. */
async function walk<T>(path: string, viewer: UserSession, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await getJson<Page<T>>(`${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, viewer);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
    if (pages > 1000) throw new Error(`${path} never ends`);
  } while (cursor);
  return { items, pages };
}

/** `n` users straight into Postgres (no token anyone knows), handles `<prefix><i>_<run>`. */
async function seedUsers(prefix: string, n: number): Promise<Array<{ id: string; handle: string }>> {
  return sql<{ id: string; handle: string }>(
    `INSERT INTO users (handle, display_name, api_token_hash)
     SELECT $1 || i || '_' || $2, 'seeded ' || i, 'seed-' || gen_random_uuid()
       FROM generate_series(1, $3::int) i
     RETURNING id, handle`,
    [prefix, readState().runId, n],
  );
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

async function explain(query: { text: string; params: unknown[] }): Promise<PlanNode[]> {
  const [row] = await sql<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) ${query.text}`, query.params);
  return planNodes(row!['QUERY PLAN'][0]!.Plan);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeRequests(n: number, request: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await request();
    times.push(performance.now() - started);
  }
  return times;
}

describe('follows', () => {
  let ada: UserSession;
  let bob: UserSession;
  let cat: UserSession;

  beforeAll(async () => {
    [ada, bob, cat] = await Promise.all([createUser('soc_ada'), createUser('soc_bob'), createUser('soc_cat')]);
  });

  const followRows = () => sql(`SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2`, [ada.id, bob.id]);

  it('PUT and DELETE …/follow answer 204 and are idempotent', async () => {
    expect(await follow(ada, bob.handle)).toEqual({ status: 204, body: undefined });
    expect(await follow(ada, bob.handle)).toEqual({ status: 204, body: undefined });
    expect(await followRows()).toHaveLength(1);

    expect(await unfollow(ada, bob.handle)).toEqual({ status: 204, body: undefined });
    expect(await unfollow(ada, bob.handle)).toEqual({ status: 204, body: undefined });
    expect(await followRows()).toHaveLength(0);
  });

  it('refuses yourself (400), an unknown handle (404), a malformed one (400) and no token (401)', async () => {
    for (const send of [follow, unfollow]) {
      const self = await send(ada, ada.handle);
      expect(self).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'you cannot follow or unfollow yourself' } });

      const nobody = `nobody_${readState().runId}`;
      const unknown = await send(ada, nobody);
      expect(unknown).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: `user "${nobody}" not found` } });

      const malformed = await send(ada, 'Not-A-Handle');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: ['handle must be 3-30 characters of a-z, 0-9 and _'] });
    }
    expect((await call('PUT', `/v1/users/${bob.handle}/follow`)).status).toBe(401);
    expect((await call('DELETE', `/v1/users/${bob.handle}/follow`)).status).toBe(401);
    expect((await call('GET', `/v1/users/${bob.handle}`)).status).toBe(401);
    expect((await call('GET', '/v1/feed')).status).toBe(401);
    expect(await sql(`SELECT 1 FROM follows WHERE follower_id = $1`, [ada.id])).toEqual([]);
  });

  it('profile counts are right straight after every follow and unfollow (the cached counts are invalidated)', async () => {
    // Read first, so that both profiles' counts sit in the cache when the follow happens.
    expect(await profile(cat, bob.handle)).toMatchObject({ id: bob.id, handle: bob.handle, followers: 0, following: 0, uploads: 0, followedByMe: false });
    expect(await profile(cat, ada.handle)).toMatchObject({ followers: 0, following: 0 });

    expect((await follow(ada, bob.handle)).status).toBe(204);
    expect(await profile(cat, bob.handle)).toMatchObject({ followers: 1, following: 0, followedByMe: false });
    expect(await profile(ada, bob.handle)).toMatchObject({ followers: 1, followedByMe: true });
    expect(await profile(cat, ada.handle)).toMatchObject({ followers: 0, following: 1 });

    expect((await follow(cat, bob.handle)).status).toBe(204);
    expect(await profile(bob, bob.handle)).toMatchObject({ followers: 2, followedByMe: false });
    expect(await profile(cat, bob.handle)).toMatchObject({ followers: 2, followedByMe: true });

    expect((await unfollow(ada, bob.handle)).status).toBe(204);
    expect(await profile(cat, bob.handle)).toMatchObject({ followers: 1, followedByMe: true });
    expect(await profile(ada, bob.handle)).toMatchObject({ followers: 1, followedByMe: false });
    expect(await profile(cat, ada.handle)).toMatchObject({ followers: 0, following: 0 });
  });

  it('profiles: the user’s own fields, 404 for an unknown handle, 400 for a malformed one', async () => {
    const [row] = await sql<{ created_at: Date }>(`SELECT created_at FROM users WHERE id = $1`, [bob.id]);
    expect(await profile(ada, bob.handle)).toMatchObject({ id: bob.id, handle: bob.handle, displayName: 'soc_bob', createdAt: row!.created_at.toISOString() });
    const nobody = `nobody_${readState().runId}`;
    expect(await call('GET', `/v1/users/${nobody}`, ada)).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: `user "${nobody}" not found` } });
    expect((await call('GET', '/v1/users/x', ada)).status).toBe(400);
    expect((await call('GET', `/v1/users/${nobody}/followers`, ada)).status).toBe(404);
    expect((await call('GET', `/v1/users/${bob.handle}/following?cursor=tampered`, ada)).status).toBe(400);
  });

  it('counts only done uploads', async () => {
    const dan = await createUser('soc_dan');
    // A queued and a failed upload of dan's, straight into Postgres: neither counts.
    await sql(
      `WITH seeded AS MATERIALIZED (SELECT gen_random_uuid() AS g, s FROM unnest(ARRAY['queued', 'failed']) s)
       INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status)
       SELECT g, $1, 'originals/2026/01/' || g, 'image/jpeg', 1, repeat('0', 64), s FROM seeded`,
      [dan.id],
    );
    const id = await upload(dan, { data: await smallJpeg(41), name: 'dan.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(dan, id)).status).toBe('done');
    // Dan's profile is read for the first time only now, so no count of his was cached before the upload
    // was done. That a cached count rises when an upload is done is the notifier's invalidation (fan-out side).
    expect(await profile(ada, dan.handle)).toMatchObject({ uploads: 1, followers: 0, following: 0 });
  });

  it('pages followers and following to the end with 57 follows sharing one created_at: nothing repeated, nothing skipped', async () => {
    const hub = await createUser('soc_hub');
    const seeded = await seedUsers('sp', 57);
    const at = '2026-01-15T10:00:00.000Z';
    await sql(`INSERT INTO follows (follower_id, followee_id, created_at) SELECT unnest($1::uuid[]), $2, $3`, [seeded.map((u) => u.id), hub.id, at]);
    await sql(`INSERT INTO follows (follower_id, followee_id, created_at) SELECT $1, unnest($2::uuid[]), $3`, [hub.id, seeded.map((u) => u.id), at]);

    const expectedFollowers = await sql<{ id: string }>(`SELECT follower_id AS id FROM follows WHERE followee_id = $1 ORDER BY created_at DESC, follower_id DESC`, [hub.id]);
    const expectedFollowing = await sql<{ id: string }>(`SELECT followee_id AS id FROM follows WHERE follower_id = $1 ORDER BY created_at DESC, followee_id DESC`, [hub.id]);

    const followers = await walk<FollowItem>(`/v1/users/${hub.handle}/followers`, ada, 10);
    expect(followers.pages).toBe(6);
    expect(followers.items.map((i) => i.id)).toEqual(expectedFollowers.map((r) => r.id));
    expect(new Set(followers.items.map((i) => i.id)).size).toBe(57);
    expect(followers.items[0]).toEqual({ id: expect.any(String), handle: expect.stringMatching(/^sp\d+_/), displayName: expect.stringMatching(/^seeded /), followedAt: at });

    const following = await walk<FollowItem>(`/v1/users/${hub.handle}/following`, ada, 10);
    expect(following.items.map((i) => i.id)).toEqual(expectedFollowing.map((r) => r.id));
    expect(new Set(following.items.map((i) => i.id)).size).toBe(57);

    // A newer follow comes first; the default page is 20.
    expect((await follow(ada, hub.handle)).status).toBe(204);
    const first = await getJson<Page<FollowItem>>(`/v1/users/${hub.handle}/followers`, ada);
    expect(first.items).toHaveLength(20);
    expect(first.items[0]).toMatchObject({ id: ada.id, handle: ada.handle });
    expect((await call('GET', `/v1/users/${hub.handle}/followers?limit=101`, ada)).status).toBe(400);
  });
});

describe('the feed', () => {
  let ed: UserSession;
  let fay: UserSession;
  let gus: UserSession;
  let edUpload: string;

  beforeAll(async () => {
    [ed, fay, gus] = await Promise.all([createUser('soc_ed'), createUser('soc_fay'), createUser('soc_gus')]);
  });

  it('shows a follower the followee’s done uploads, as GET /v1/uploads/:id shows them plus the owner; a non-follower sees nothing', async () => {
    expect((await follow(fay, ed.handle)).status).toBe(204);
    edUpload = await upload(ed, { data: await smallJpeg(7), name: 'ed.jpg', type: 'image/jpeg' }, { caption: 'ed posts' });
    expect((await waitForUpload(ed, edUpload)).status).toBe('done');
    // Fay reads her feed only after done: until the notifier invalidates followers' feeds on done (the fan-out
    // side's part), a first page read earlier would stay cached.

    const page = await feed(fay);
    expect(page.items.map((i) => i.id)).toEqual([edUpload]);
    expect(page.nextCursor).toBeNull();
    const item = page.items[0]!;
    expect(item.owner).toEqual({ id: ed.id, handle: ed.handle });

    const single = await getUpload(fay, edUpload);
    const { owner: _owner, ...view } = item;
    const unsigned = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\?exp=\d+&sig=[\w-]+/g, '?signed'));
    expect(unsigned(view)).toEqual(unsigned(single));
    expect(item.thumbnails.map((t) => t.variant).sort()).toEqual(['large', 'small', 'thumb']);
    const thumbnail = await fetch(url(item.thumbnails[0]!.url));
    expect(thumbnail.status).toBe(200);

    expect(await feed(gus)).toEqual({ items: [], nextCursor: null });
  });

  it('drops the followee at once on unfollow and shows them at once on follow, though the first page is cached', async () => {
    expect(await feedIds(fay)).toEqual([edUpload]); // cached now
    expect((await unfollow(fay, ed.handle)).status).toBe(204);
    expect(await feedIds(fay)).toEqual([]);

    expect(await feedIds(gus)).toEqual([]); // gus's empty first page is cached now
    expect((await follow(gus, ed.handle)).status).toBe(204);
    expect(await feedIds(gus)).toEqual([edUpload]);
  });

  it('drops a cached upload at once when its row is gone', async () => {
    const [doomed] = await sql<{ id: string }>(
      `INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, created_at)
       SELECT g, $1, 'originals/2026/01/' || g, 'image/jpeg', 1, repeat('0', 64), 'done', date_trunc('milliseconds', now())
         FROM gen_random_uuid() g
       RETURNING id`,
      [ed.id],
    );
    expect((await follow(fay, ed.handle)).status).toBe(204); // invalidates fay's feed, so the next read includes the new row
    expect(await feedIds(fay)).toEqual([doomed!.id, edUpload]); // and caches it

    await sql(`DELETE FROM uploads WHERE id = $1`, [doomed!.id]);
    expect(await feedIds(fay)).toEqual([edUpload]);
  });

  it('pages to the end with 57 uploads of 19 followees sharing one created_at: nothing repeated, nothing skipped', async () => {
    const viewer = await createUser('soc_pager');
    // 19 followees, more than a page of 10 + 1: the bound of the feed query is that shared created_at itself.
    const owners = await seedUsers('sf', 19);
    await sql(`INSERT INTO follows (follower_id, followee_id) SELECT $1, unnest($2::uuid[])`, [viewer.id, owners.map((o) => o.id)]);
    await sql(
      `WITH seeded AS MATERIALIZED (SELECT gen_random_uuid() AS g, o FROM unnest($1::uuid[]) o, generate_series(1, 3))
       INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, created_at)
       SELECT g, o, 'originals/2026/01/' || g, 'image/jpeg', 1, repeat('0', 64), 'done', '2026-01-15T10:00:00.000Z' FROM seeded`,
      [owners.map((o) => o.id)],
    );
    const expected = await sql<{ id: string }>(
      `SELECT id FROM uploads WHERE owner_id = ANY($1) AND status = 'done' ORDER BY created_at DESC, id DESC`,
      [owners.map((o) => o.id)],
    );
    expect(expected).toHaveLength(57);

    const walked = await walk<FeedItem>('/v1/feed', viewer, 10);
    expect(walked.pages).toBe(6);
    expect(walked.items.map((i) => i.id)).toEqual(expected.map((r) => r.id));
    expect(new Set(walked.items.map((i) => i.owner.handle))).toEqual(new Set(owners.map((o) => o.handle)));
  });

  it('serves someone who follows 1,000 people with 100 done photos each from the partial index, newest 20 first', async () => {
    const viewer = await createUser('soc_fan');
    const seedStarted = Date.now();
    const owners = await seedUsers('sb', 1000);
    const ownerIds = owners.map((o) => o.id);
    await sql(
      `INSERT INTO follows (follower_id, followee_id, created_at)
       SELECT $1, o, '2026-01-01T00:00:00Z'::timestamptz + n * interval '1 second' FROM unnest($2::uuid[]) WITH ORDINALITY AS t(o, n)`,
      [viewer.id, ownerIds],
    );
    // 100,000 done uploads in one statement, spread over January to the millisecond (some share one).
    // (A materialized CTE, so that each row's one random id is both its id and its key.)
    await sql(
      `WITH seeded AS MATERIALIZED (
         SELECT gen_random_uuid() AS g, o, date_trunc('milliseconds', '2026-01-01T00:00:00Z'::timestamptz + random() * interval '30 days') AS t
           FROM unnest($1::uuid[]) o, generate_series(1, 100))
       INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, created_at, processed_at)
       SELECT g, o, 'originals/2026/01/' || g, 'image/jpeg', 1000, repeat('0', 64), 'done', t, t FROM seeded`,
      [ownerIds],
    );
    // What autovacuum would have done by now on a live database: statistics for the planner.
    await sql(`ANALYZE users, follows, uploads`);
    console.log(`feed scale seed: 1,000 users, 1,000 follows, 100,000 done uploads in ${Date.now() - seedStarted} ms`);

    const expected = await sql<{ id: string; handle: string }>(
      `SELECT u.id, o.handle FROM uploads u JOIN follows f ON f.followee_id = u.owner_id JOIN users o ON o.id = u.owner_id
        WHERE f.follower_id = $1 AND u.status = 'done' ORDER BY u.created_at DESC, u.id DESC LIMIT 100`,
      [viewer.id],
    );

    // The plans of the very queries FeedRepository runs, first page and a later one.
    const [firstRow] = await sql<{ created_at: Date }>(`SELECT created_at FROM uploads WHERE id = $1`, [expected[19]!.id]);
    for (const query of [FeedRepository.pageQuery(viewer.id, null, 20), FeedRepository.pageQuery(viewer.id, { createdAt: firstRow!.created_at, id: expected[19]!.id }, 20)]) {
      const nodes = await explain(query);
      expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'uploads')).toEqual([]);
      expect(nodes.some((n) => n['Relation Name'] === 'uploads' && n['Index Name'] === 'uploads_done_owner_created_idx')).toBe(true);
    }

    const page = await feed(viewer);
    expect(page.items.map((i) => [i.id, i.owner.handle])).toEqual(expected.slice(0, 20).map((r) => [r.id, r.handle]));
    expect(page.nextCursor).not.toBeNull();
    // Four pages more, each bounded afresh after its cursor: still the newest 100 in order.
    const seen = [...page.items];
    let cursor = page.nextCursor;
    for (let n = 0; n < 4; n++) {
      const next = await feed(viewer, `?cursor=${encodeURIComponent(cursor!)}`);
      seen.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(seen.map((i) => i.id)).toEqual(expected.map((r) => r.id));

    // For the record, not asserted (the machine is shared): the cached first page, and a later page, which is never cached.
    const cached = await timeRequests(20, () => feed(viewer));
    const uncached = await timeRequests(20, () => feed(viewer, `?cursor=${encodeURIComponent(page.nextCursor!)}`));
    const [analyzed] = await sql<{ 'QUERY PLAN': Array<{ 'Execution Time': number }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${FeedRepository.pageQuery(viewer.id, null, 20).text}`,
      FeedRepository.pageQuery(viewer.id, null, 20).params,
    );
    console.log(
      `feed of 1,000 followees × 100 done uploads: first page (cached ids) p50 ${median(cached).toFixed(1)} ms, ` +
        `later page (uncached) p50 ${median(uncached).toFixed(1)} ms over 20 requests each; ` +
        `page query in Postgres ${analyzed!['QUERY PLAN'][0]!['Execution Time'].toFixed(1)} ms`,
    );
  });
});

describe('the token cache', () => {
  it('lets a freshly signed-up user in at once, and answers /v1/me the same from the cache', async () => {
    const hal = await createUser('soc_hal');
    const [row] = await sql<{ created_at: Date }>(`SELECT created_at FROM users WHERE id = $1`, [hal.id]);
    const expected = { id: hal.id, handle: hal.handle, displayName: 'soc_hal', email: null, createdAt: row!.created_at.toISOString() };

    const first = await call('GET', '/v1/me', hal); // a miss: from Postgres, then stored
    const second = await call('GET', '/v1/me', hal); // a hit
    // /v1/me adds the unread count, never cached with the caller (it changes with every notification).
    expect(first).toEqual({ status: 200, body: { ...expected, unreadNotifications: 0 } });
    expect(second).toEqual({ status: 200, body: { ...expected, unreadNotifications: 0 } });

    const { redisUrl, redisPrefix } = readState();
    const redis = new Redis(redisUrl);
    try {
      const stored = await redis.get(`${redisPrefix}:cache:token:${createHash('sha256').update(hal.token).digest('hex')}`);
      expect(stored).not.toBeNull();
      expect(JSON.parse(stored!).d).toEqual(expected);
      expect(stored).not.toContain(hal.token);
    } finally {
      redis.disconnect();
    }
  });
});

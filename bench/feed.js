// bench/feed: GET /v1/feed's first page over HTTP, from the real api (a child process), for a viewer who follows
// 1,000 people with 100 done photos each; served from the cache, and with the entry invalidated before every
// request (so the feed query runs), in the same run.
'use strict';
const { Redis } = require('ioredis');
const { benchEnvironment, percentile, signUp } = require('./harness');

async function seedFeed(db, followees, photosEach) {
  const { rows: [viewer] } = await db.query(`INSERT INTO users (handle, api_token_hash) VALUES ('bench_viewer', md5('bench-viewer-token')) RETURNING id`);
  await db.query(
    `WITH people AS (
       INSERT INTO users (handle, api_token_hash) SELECT 'poster_' || n, md5(n::text || random()::text) FROM generate_series(1, $1::int) n RETURNING id
     ), followed AS (
       INSERT INTO follows (follower_id, followee_id) SELECT $3, id FROM people RETURNING followee_id
     )
     INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, created_at, processed_at)
     SELECT u.id, u.owner_id, 'originals/2026/01/' || u.id, 'image/jpeg', 1, 'x', 'done', u.at, u.at
       FROM (SELECT gen_random_uuid() AS id, followee_id AS owner_id,
                    date_trunc('milliseconds', now() - (random() * interval '365 days')) AS at
               FROM followed, generate_series(1, $2::int)) u`,
    [followees, photosEach, viewer.id],
  );
  await db.query('ANALYZE');
  return viewer.id;
}

async function timeRequests(count, url, token, before) {
  const times = [];
  for (let i = 0; i < count; i++) {
    if (before) await before();
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.json();
    times.push(performance.now() - started);
    if (response.status !== 200 || body.items.length !== 20) throw new Error(`bench/feed: GET /v1/feed → ${response.status} with ${body.items?.length} items`);
  }
  return times;
}

/** Rows for bench/results.json: first-page p50 and p99, cached against uncached. */
async function feedRows({ followees = 1000, photosEach = 100, requests = 200 } = {}) {
  const bench = await benchEnvironment('feed');
  const redis = new Redis(bench.redisUrl);
  try {
    // The token whose sha256 the seed stored: md5 above is only a placeholder, so sign the viewer up for real.
    const viewerId = await seedFeed(bench.db, followees, photosEach);
    const api = await bench.start('api');
    const { id: readerId, token } = await signUp(api.base, 'bench_reader');
    await bench.db.query(`INSERT INTO follows (follower_id, followee_id) SELECT $1, followee_id FROM follows WHERE follower_id = $2`, [readerId, viewerId]);
    await bench.db.query('ANALYZE follows');
    const url = `${api.base}/v1/feed`;
    await timeRequests(20, url, token); // warm-up: connections, plans, the token cache
    // Uncached: bump the entry's version as a change would, so every request runs the feed query.
    const versionKey = `${bench.prefix}:cache:feed:${readerId}:v`;
    const uncached = await timeRequests(requests, url, token, () => redis.incr(versionKey));
    const cached = await timeRequests(requests, url, token);
    const p = (xs, n) => +percentile(xs, n).toFixed(1);
    const row = (name, value, baseline, goal, note) => ({ name, value, unit: 'ms', baseline, ratio: +(value / baseline).toFixed(2), goal: `ratio ≤ ${goal}`, met: value / baseline <= goal, note });
    return [
      row('feed-first-page-cached-p50', p(cached, 50), p(uncached, 50), 0.7, `GET /v1/feed (20 items, ${followees} followees × ${photosEach} photos) from the cache vs the feed query each time; ${requests} requests each`),
      row('feed-first-page-cached-p99', p(cached, 99), p(uncached, 99), 0.7, 'the same, 99th percentile'),
      { name: 'feed-first-page-uncached-p50', value: p(uncached, 50), unit: 'ms', baseline: null, ratio: null, goal: null, met: null, note: 'the feed query on every request (for the record)' },
      { name: 'feed-first-page-uncached-p99', value: p(uncached, 99), unit: 'ms', baseline: null, ratio: null, goal: null, met: null, note: 'the same, 99th percentile' },
    ];
  } finally {
    await redis.quit();
    await bench.close();
  }
}

module.exports = { feedRows, seedFeed };

if (require.main === module) require('./harness').printRows(feedRows());

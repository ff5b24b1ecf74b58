// bench/fanout: one upload by a user with 100,000 followers, through the real notifier (a child process,
// the built app), against a bare INSERT … SELECT of the same 100,000 rows into the same table, in the same run.
// Measures the time from `done` (the upload event handed to the notifier's queue, as the worker's relay
// does) to the last notification row, and the notifier's peak RSS (VmHWM).
'use strict';
const { randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Queue } = require('bullmq');
const { parse } = require('yaml');
const { benchEnvironment, median, peakRssMb, until } = require('./harness');

async function seedStar(db, followers) {
  const { rows: [star] } = await db.query(`INSERT INTO users (handle, api_token_hash) VALUES ('bench_star', md5(random()::text)) RETURNING id`);
  await db.query(
    `WITH fans AS (
       INSERT INTO users (handle, api_token_hash) SELECT 'fan_' || n, md5(n::text || random()::text) FROM generate_series(1, $1::int) n RETURNING id)
     INSERT INTO follows (follower_id, followee_id) SELECT id, $2 FROM fans`,
    [followers, star.id],
  );
  await db.query('ANALYZE');
  return star.id;
}

async function doneUpload(db, ownerId) {
  const id = randomUUID();
  await db.query(`INSERT INTO uploads (id, owner_id, original_key, mime, bytes, sha256, status, processed_at) VALUES ($1, $2, $3, 'image/jpeg', 1, 'x', 'done', now())`, [
    id,
    ownerId,
    `originals/2026/01/${id}`,
  ]);
  return id;
}

const countPosted = async (db, uploadId) =>
  Number((await db.query(`SELECT count(*) AS n FROM notifications WHERE upload_id = $1 AND kind = 'followee.posted'`, [uploadId])).rows[0].n);

/** The NODE_OPTIONS docker-compose.yml starts the notifier with (its heap ceiling, sized to its mem_limit). */
function composeNotifierNodeOptions() {
  const compose = parse(readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true });
  return compose.services.notifier.environment?.NODE_OPTIONS ?? '';
}

/**
 * `rounds` fan-outs through one notifier, each beside a bare insert of the same rows; then the notifier's
 * peak RSS, and it is stopped.
 */
async function measure(bench, star, followers, rounds, notifierEnv) {
  const { db } = bench;
  const notifier = await bench.start('notifier', notifierEnv);
  const queue = new Queue('notifications', { connection: { url: bench.redisUrl }, prefix: bench.prefix });
  const ours = [];
  const bare = [];
  try {
    for (let round = 0; round < rounds; round++) {
      // Ours: the job the worker's outbox relay adds when the upload is done, then every page of the flow.
      const uploadId = await doneUpload(db, star);
      const started = performance.now();
      await queue.add('upload.processed', { version: 1, uploadId, ownerId: star, requestId: `bench-${round}` }, { jobId: `upload-${uploadId}-processed` });
      await until('every follower to be notified', async () => (await countPosted(db, uploadId)) >= followers, 120_000);
      ours.push(performance.now() - started);

      // Bare: the same rows into the same table in one statement; no queue, no cache, no push.
      const bareId = await doneUpload(db, star);
      const bareStart = performance.now();
      await db.query(`INSERT INTO notifications (user_id, kind, upload_id, actor_id) SELECT follower_id, 'followee.posted', $1, $2 FROM follows WHERE followee_id = $2`, [
        bareId,
        star,
      ]);
      bare.push(performance.now() - bareStart);
    }
    return { oursMs: median(ours), bareMs: median(bare), rssMb: peakRssMb(notifier.child.pid) };
  } finally {
    await queue.close();
    await bench.stop(notifier);
  }
}

/** Rows for bench/results.json: fan-out time against the bare insert, and the notifier's peak RSS; medians of `rounds`. */
async function fanOutRows({ followers = 100_000, rounds = 3 } = {}) {
  const bench = await benchEnvironment('fanout');
  try {
    const star = await seedStar(bench.db, followers);
    const nodeOptions = composeNotifierNodeOptions();
    const deployed = await measure(bench, star, followers, rounds, { NODE_OPTIONS: nodeOptions });
    // The same without the heap ceiling: V8 sizes its heap from this machine's memory and collects late.
    const uncapped = await measure(bench, star, followers, rounds, {});
    const rssRow = (name, { rssMb }, goal, note) => ({ name, value: Math.round(rssMb), unit: 'MB', baseline: null, ratio: null, goal, met: goal ? rssMb <= 250 : null, note });
    return [
      {
        name: 'fanout-100k-followers',
        value: Math.round(deployed.oursMs),
        unit: 'ms',
        baseline: Math.round(deployed.bareMs),
        ratio: +(deployed.oursMs / deployed.bareMs).toFixed(2),
        goal: '≤ 2 and < 10000 ms',
        met: deployed.oursMs / deployed.bareMs <= 2 && deployed.oursMs < 10_000,
        note: `from done to the last of ${followers} followee.posted rows through the notifier (as docker-compose.yml runs it) vs one bare INSERT … SELECT of the same rows; median of ${rounds}`,
      },
      rssRow('fanout-notifier-peak-rss', deployed, '≤ 250 MB', `the notifier's peak resident memory (VmHWM) over ${rounds} fan-outs of ${followers} followers, with docker-compose.yml's NODE_OPTIONS (${nodeOptions || 'none'})`),
      rssRow('fanout-notifier-peak-rss-uncapped', uncapped, null, `for comparison: the same without a heap ceiling (V8 sizes the heap from this machine's memory); its fan-outs took ${Math.round(uncapped.oursMs)} ms`),
    ];
  } finally {
    await bench.close();
  }
}

module.exports = { fanOutRows };

if (require.main === module) require('./harness').printRows(fanOutRows());

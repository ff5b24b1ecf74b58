import { sql } from './inspect';
import { readState } from './e2e-env';

/**
 * `count` users who follow `followeeId`, written straight into Postgres in one statement each: a social graph of
 * thousands is the situation under test, and signing thousands up over HTTP would only test sign-up.
 * Returns their ids in follower id order.
 */
export async function seedFollowers(followeeId: string, count: number, tag: string): Promise<string[]> {
  const suffix = readState().runId.slice(-8);
  const users = await sql<{ id: string }>(
    `INSERT INTO users (handle, api_token_hash)
     SELECT $1 || n || '_' || $2, md5($1 || n || $2 || random()::text) FROM generate_series(1, $3::int) AS n
     RETURNING id`,
    [tag, suffix, count],
  );
  const ids = users.map((u) => u.id).sort();
  await sql(`INSERT INTO follows (follower_id, followee_id) SELECT unnest($1::uuid[]), $2`, [ids, followeeId]);
  return ids;
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { readState } from './e2e-env';

const run = promisify(execFile);

/**
 * Cut this run's connections from the server side, as a broker restart or a
 * network blip would, without touching anybody else's (other runs share the services).
 */
export async function dropRabbitConnections(): Promise<number> {
  const { queues } = readState();
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  const ours = stdout.split('\n').filter((line) => line.includes(`"darkroom `) && line.includes(` ${queues.exchange}"`));
  for (const line of ours) await run('rabbitmqctl', ['close_connection', line.split('\t')[0]!, 'e2e: connection cut']);
  return ours.length;
}

export async function dropPostgresConnections(): Promise<number> {
  const { adminDatabaseUrl, databaseName } = readState();
  const admin = new Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'darkroom-%'`,
      [databaseName],
    );
    return rows.length;
  } finally {
    await admin.end();
  }
}

export async function dropRedisConnections(): Promise<number> {
  const { redisUrl, redisPrefix } = readState();
  const redis = new Redis(redisUrl);
  try {
    const list = (await redis.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${redisPrefix}:`))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await redis.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    redis.disconnect();
  }
}

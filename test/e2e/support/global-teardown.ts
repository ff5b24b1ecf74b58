import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { stopApp } from './app-process';
import type { E2eState } from './e2e-env';

/** Stops the apps, then removes everything the run created: database, queues, Redis keys, stored files. Logs stay in .e2e/<run>/logs. */
export default async function globalTeardown(): Promise<void> {
  const run = (globalThis as { __darkroomE2e?: { children: ChildProcess[]; state: E2eState } }).__darkroomE2e;
  if (!run) return;
  const { children, state } = run;
  await Promise.all(children.map((child) => stopApp(child)));

  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  await attempt('drop database', async () => {
    const admin = new Client({ connectionString: state.adminDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${state.databaseName} WITH (FORCE)`);
    await admin.end();
  });
  await attempt('delete queues', async () => {
    const connection = await connect(state.rabbitUrl);
    const channel = await connection.createChannel();
    for (const queue of [state.queues.queue, state.queues.retryQueue, state.queues.deadQueue]) await channel.deleteQueue(queue);
    await channel.deleteExchange(state.queues.exchange);
    await connection.close();
  });
  await attempt('delete redis keys', async () => {
    const redis = new Redis(state.redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${state.redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });
  rmSync(state.storageDir, { recursive: true, force: true });
  if (problems.length) console.warn(`e2e teardown left something behind:\n  ${problems.join('\n  ')}`);
}

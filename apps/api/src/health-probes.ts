import { PostgresHealth } from '@darkroom/database';
import { RabbitPublisher, RedisHealth } from '@darkroom/messaging';
import { ReadinessProbe } from '@darkroom/observability';
import { StorageHealth } from '@darkroom/storage';

/**
 * The api is ready when it can record uploads (Postgres), store them, and reach Redis. RabbitMQ is reported but
 * optional: an accepted upload waits in the outbox (same transaction as its row) until the relay can publish it,
 * so a broker outage delays photos and must not take every api replica out of rotation.
 */
export function apiReadinessProbes(postgres: PostgresHealth, publisher: RabbitPublisher, redis: RedisHealth, storage: StorageHealth): ReadinessProbe[] {
  return [
    postgres.probe(),
    {
      name: 'rabbitmq',
      optional: 'uploads are accepted and wait in the outbox until RabbitMQ is back',
      check: async () => {
        if (!publisher.ready) throw new Error('no open channel to RabbitMQ');
      },
    },
    { name: 'redis', check: () => redis.ping() },
    ...storage.probes(),
  ];
}

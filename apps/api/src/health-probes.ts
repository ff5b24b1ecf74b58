import { DataSource } from 'typeorm';
import { RabbitPublisher, RedisHealth } from '@darkroom/messaging';
import { ReadinessProbe } from '@darkroom/observability';
import { PhotoStore } from '@darkroom/storage';

/** The api is ready when it can record uploads (Postgres), queue them (RabbitMQ), store them, and reach Redis. */
export function apiReadinessProbes(db: DataSource, publisher: RabbitPublisher, redis: RedisHealth, store: PhotoStore): ReadinessProbe[] {
  return [
    { name: 'postgres', check: () => db.query('SELECT 1') },
    {
      name: 'rabbitmq',
      check: async () => {
        if (!publisher.ready) throw new Error('no open channel to RabbitMQ');
      },
    },
    { name: 'redis', check: () => redis.ping() },
    { name: 'storage', check: () => store.checkWritable() },
  ];
}

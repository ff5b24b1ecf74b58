import { PostgresHealth } from '@darkroom/database';
import { UploadEventsQueue, RabbitConsumerTransport } from '@darkroom/messaging';
import { ReadinessProbe } from '@darkroom/observability';
import { StorageHealth } from '@darkroom/storage';

/** Ready = consuming the images queue and able to read originals, write thumbnails, record and announce results. */
export function workerReadinessProbes(postgres: PostgresHealth, transport: RabbitConsumerTransport, queue: UploadEventsQueue, storage: StorageHealth): ReadinessProbe[] {
  return [
    postgres.probe(),
    {
      name: 'rabbitmq',
      check: async () => {
        if (!transport.consuming) throw new Error('not consuming the images queue');
      },
    },
    { name: 'redis', check: () => queue.ping() },
    ...storage.probes(),
  ];
}

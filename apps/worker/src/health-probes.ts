import { DataSource } from 'typeorm';
import { UploadEventsQueue, RabbitConsumerTransport } from '@darkroom/messaging';
import { ReadinessProbe } from '@darkroom/observability';
import { PhotoStore } from '@darkroom/storage';

/** Ready = consuming the images queue and able to read originals, write thumbnails, record and announce results. */
export function workerReadinessProbes(db: DataSource, transport: RabbitConsumerTransport, queue: UploadEventsQueue, store: PhotoStore): ReadinessProbe[] {
  return [
    { name: 'postgres', check: () => db.query('SELECT 1') },
    {
      name: 'rabbitmq',
      check: async () => {
        if (!transport.consuming) throw new Error('not consuming the images queue');
      },
    },
    { name: 'redis', check: () => queue.ping() },
    { name: 'storage', check: () => store.checkWritable() },
  ];
}

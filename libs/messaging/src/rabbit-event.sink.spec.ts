import type { Options } from 'amqplib';
import { parseEnv, toAppConfig } from '@darkroom/config';
import { IMAGE_UPLOADED, RABBIT_EVENTS } from '@darkroom/contracts';
import { RabbitEventSink } from './rabbit-event.sink';
import type { RabbitPublisher } from './rabbit-publisher';
import { eventQueues } from './rabbit-topology';

const CONFIG = toAppConfig(parseEnv({ IMAGES_EXCHANGE: 'x.spec' }));
const UPLOAD = {
  version: 1,
  uploadId: '7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f',
  ownerId: '0b6f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
  originalKey: 'originals/2026/12/7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f',
  mime: 'image/jpeg',
  requestId: 'req-1',
};

describe('the RabbitMQ events of libs/contracts', () => {
  it('each have queues of their own under the default configuration', () => {
    const queues = eventQueues(CONFIG.rabbit);

    expect(queues.map(({ event }) => event.pattern)).toEqual(RABBIT_EVENTS.map((event) => event.pattern));
    expect(queues.find(({ event }) => event.pattern === IMAGE_UPLOADED)).toMatchObject({ queue: 'images.process', retryQueue: 'images.retry', deadQueue: 'images.dead' });
  });
});

describe('RabbitEventSink', () => {
  const publish = jest.fn<Promise<void>, [string, string, object, Options.Publish?]>(async () => undefined);
  const sink = new RabbitEventSink({ publish } as unknown as RabbitPublisher, CONFIG);

  beforeEach(() => publish.mockClear());

  it('asks the outbox for the topics of every RabbitMQ event', () => {
    expect(sink.topics).toEqual([IMAGE_UPLOADED]);
  });

  it('publishes a row to the exchange by its pattern, with the ids its contract names', async () => {
    await sink.publish({ id: '1', topic: IMAGE_UPLOADED, payload: UPLOAD });

    expect(publish).toHaveBeenCalledWith('x.spec', IMAGE_UPLOADED, UPLOAD, { messageId: UPLOAD.uploadId, correlationId: 'req-1', type: IMAGE_UPLOADED });
  });

  it('refuses a row of another topic without publishing it', async () => {
    await expect(sink.publish({ id: '2', topic: 'upload.done', payload: UPLOAD })).rejects.toThrow('outbox row 2 has topic "upload.done", which is not a RabbitMQ event');
    expect(publish).not.toHaveBeenCalled();
  });
});

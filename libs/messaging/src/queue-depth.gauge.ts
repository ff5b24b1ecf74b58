import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { NotificationsQueue } from './notifications-queue';
import { RabbitConsumerTransport } from './rabbit-consumer.transport';

export const QUEUE_DEPTH = 'darkroom_queue_depth';

/**
 * Work waiting in each queue, asked of RabbitMQ and Redis at scrape time.
 * Every worker replica reports the same figures: aggregate with max, not sum.
 * A source that cannot answer reports nothing rather than a stale number
 * (and the scrape itself still succeeds).
 */
export const queueDepthGauge = makeGaugeProvider({
  name: QUEUE_DEPTH,
  help: 'Messages or jobs waiting, by queue and state (the same on every worker replica: aggregate with max)',
  labelNames: ['queue', 'state'],
  inject: [RabbitConsumerTransport, NotificationsQueue],
  async collect(this: Gauge<string>, ...deps: unknown[]) {
    const [transport, notifications] = deps as [RabbitConsumerTransport, NotificationsQueue];
    this.reset();
    const [images, jobs] = await Promise.allSettled([transport.queueDepths(), notifications.depth()]);
    if (images.status === 'fulfilled') {
      const [main, retry, dead] = images.value;
      if (main) this.set({ queue: main.queue, state: 'ready' }, main.messages);
      if (retry) this.set({ queue: retry.queue, state: 'delayed' }, retry.messages);
      if (dead) this.set({ queue: dead.queue, state: 'dead' }, dead.messages);
    }
    if (jobs.status === 'fulfilled') {
      for (const { state, jobs: count } of jobs.value) this.set({ queue: notifications.name, state }, count);
    }
  },
});

import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { AppConfig } from '@darkroom/config';
import { QueueInspector } from './queue-inspector';
import { eventQueues } from './rabbit-topology';
import { UploadEventsQueue } from './upload-events.queue';

export const QUEUE_DEPTH = 'darkroom_queue_depth';

/** A scrape must answer within Prometheus' scrape_timeout even while RabbitMQ or Redis hangs. */
const SOURCE_TIMEOUT_MS = 1000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${SOURCE_TIMEOUT_MS} ms`)), SOURCE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Work waiting in each queue, asked of RabbitMQ and Redis at scrape time.
 * Every worker replica reports the same figures: aggregate with max, not sum.
 * A source that cannot answer in time reports nothing rather than a stale
 * number, and the scrape itself still succeeds.
 */
export const queueDepthGauge = makeGaugeProvider({
  name: QUEUE_DEPTH,
  help: 'Messages or jobs waiting, by queue and state (the same on every worker replica: aggregate with max)',
  labelNames: ['queue', 'state'],
  inject: [QueueInspector, UploadEventsQueue, AppConfig],
  async collect(this: Gauge<string>, ...deps: unknown[]) {
    const [inspector, notifications, config] = deps as [QueueInspector, UploadEventsQueue, AppConfig];
    const rabbitQueues = eventQueues(config.rabbit).flatMap(({ queue, retryQueue, deadQueue }): Array<[string, string]> => [
      [queue, 'ready'],
      [retryQueue, 'delayed'],
      [deadQueue, 'dead'],
    ]);
    const [counts, jobs] = await Promise.allSettled([
      within(inspector.messageCounts(rabbitQueues.map(([name]) => name)), 'RabbitMQ'),
      within(notifications.depth(), 'Redis'),
    ]);
    this.reset();
    if (counts.status === 'fulfilled') {
      rabbitQueues.forEach(([name, state], i) => {
        const count = counts.value[i];
        if (count !== undefined) this.set({ queue: name, state }, count);
      });
    }
    if (jobs.status === 'fulfilled') {
      for (const { state, jobs: count } of jobs.value) this.set({ queue: notifications.name, state }, count);
    }
  },
});

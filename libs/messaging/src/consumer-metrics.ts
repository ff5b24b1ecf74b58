import { Injectable, Provider } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const JOBS_TOTAL = 'darkroom_jobs_total';
export const JOB_DURATION = 'darkroom_job_duration_seconds';

/** What became of a message: acked, sent round again (counted or not), dead-lettered, or left to the broker. */
export type SettledAs = 'processed' | 'retried' | 'deferred' | 'dead_lettered' | 'redelivered';

/** Messages handled by this consumer (every series also carries the replica label), and how long each took. */
@Injectable()
export class ConsumerMetrics {
  constructor(
    @InjectMetric(JOBS_TOTAL) private readonly jobs: Counter<string>,
    @InjectMetric(JOB_DURATION) private readonly duration: Histogram<string>,
  ) {}

  /** Starts the clock for one message; the returned function stops it with the outcome. */
  start(queue: string): (outcome: SettledAs) => void {
    const stop = this.duration.startTimer({ queue });
    return (outcome) => {
      stop({ outcome });
      this.jobs.inc({ queue, outcome });
    };
  }
}

/** ConsumerMetrics and the two metrics it feeds, for the consuming app's module. */
export const consumerMetricsProviders: Provider[] = [
  makeCounterProvider({ name: JOBS_TOTAL, help: 'Queue messages handled, by queue and how they were settled', labelNames: ['queue', 'outcome'] }),
  makeHistogramProvider({
    name: JOB_DURATION,
    help: 'Time from receiving a message to settling it, by queue and outcome',
    labelNames: ['queue', 'outcome'],
    // a thumbnail of a small photo (tens of ms) to a 100 MP original (tens of seconds)
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  ConsumerMetrics,
];

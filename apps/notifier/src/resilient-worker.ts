import type { Job, WorkerOptions } from 'bullmq';

/**
 * Every job here is idempotent, so a job whose process died (SIGKILL, OOM) is simply run again: BullMQ's
 * default gives up on a job after one stall, which would drop a fan-out page for good. A short lock finds
 * the dead holder within ~20 s instead of ~60 s; a live worker renews it every 5 s, far above the few
 * milliseconds a page takes.
 */
export const RESILIENT_WORKER: Partial<WorkerOptions> = {
  lockDuration: 10_000,
  stalledInterval: 10_000,
  maxStalledCount: 20,
};

/** A failed attempt or a stall (the process died holding the job): either way, an earlier attempt may have done part of the work. */
export function isRetry(job: Job): boolean {
  return job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
}

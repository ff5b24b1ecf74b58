import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  logger: { warn(message: string): unknown; log(message: string): unknown };
  /** Longest pause between two attempts. */
  maxDelayMs: number;
  initialDelayMs?: number;
  /** Give up after this many attempts (default: never, a container waits for its dependency). */
  maxAttempts?: number;
  signal?: AbortSignal;
}

/**
 * Retries `connect` with exponential backoff and jitter, logging every failed
 * attempt. A dependency that reports healthy is not always accepting
 * connections yet (RabbitMQ answers ping before its AMQP listener is up).
 */
export async function connectWithBackoff<T>(what: string, connect: () => Promise<T>, options: BackoffOptions): Promise<T> {
  let delay = options.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await connect();
      if (attempt > 1) options.logger.log(`${what}: connected after ${attempt} attempts`);
      return result;
    } catch (error) {
      if (options.signal?.aborted || attempt === options.maxAttempts) throw error;
      const pause = Math.round(delay / 2 + Math.random() * (delay / 2));
      options.logger.warn(`${what}: connection attempt ${attempt} failed (${describe(error)}); retrying in ${pause} ms`);
      await sleep(pause, undefined, { signal: options.signal });
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

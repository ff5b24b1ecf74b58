import type { PinoLogger } from 'nestjs-pino';
import { PollPacer } from '@darkroom/messaging';

/** Work kept in Postgres and claimed with a lease: what a loop claims, and what it does with each claim. */
export interface DueWork<T> {
  /** Up to `free` items that are due, leased to this process. */
  claim(free: number): Promise<T[]>;
  /** One item; its outcome is recorded inside. A throw means it could not be recorded: the lease runs out and it comes again. */
  handle(item: T): Promise<void>;
}

/**
 * Keeps up to `concurrency` items in flight: claims due ones as slots free up, and looks again every `pollMs` or
 * when kicked. A failed claim (Postgres away) backs off up to 30 s (PollPacer). Stopping waits for what is in flight.
 */
export class DueWorkLoop<T> {
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly pacer: PollPacer;
  private pending = false;

  constructor(
    private readonly name: string,
    private readonly work: DueWork<T>,
    private readonly concurrency: number,
    pollMs: number,
    private readonly log: PinoLogger,
  ) {
    this.pacer = new PollPacer(pollMs);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pacer.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  kick(): void {
    this.pending = true;
    this.pacer.wake();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pending = false;
      const free = this.concurrency - this.inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const due = await this.work.claim(free);
          claimed = due.length;
          failures = 0;
          for (const item of due) this.track(item);
        } catch (error) {
          failures++;
          this.log.warn({ err: error, failures }, `claiming due ${this.name} failed; trying again soon`);
        }
      }
      if (!this.running) break;
      if (claimed > 0 && claimed === free) continue; // there may be more, and slots were free
      if (this.pending && failures === 0) continue;
      await this.pacer.wait(failures);
    }
  }

  private track(item: T): void {
    const handled = this.work.handle(item).catch((error: unknown) => {
      this.log.warn({ err: error }, `recording the outcome of one of the ${this.name} failed; it will be tried again once its lease runs out`);
    });
    this.inFlight.add(handled);
    void handled.finally(() => {
      this.inFlight.delete(handled);
      this.pacer.wake(); // a slot is free
    });
  }
}

import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '@darkroom/config';
import { DeliveriesRepository } from '@darkroom/database';
import { WebhookDeliveryService } from './webhook-delivery.service';

/**
 * Keeps up to WEBHOOK_CONCURRENCY webhook attempts in flight: claims due deliveries as slots free up, and
 * looks again every WEBHOOK_POLL_MS or when kicked (a fan-out page or an owner's notification added some). A
 * slow or dead receiver holds one slot per attempt for at most WEBHOOK_TIMEOUT_MS, never the fan-out (which
 * only records deliveries) and never another receiver's slots beyond those. Claims are leases: a notifier
 * that dies leaves its claimed deliveries to any notifier once the lease has run out.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private wake?: () => void;
  private pending = false;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly delivery: WebhookDeliveryService,
    private readonly config: AppConfig,
    private readonly log: PinoLogger,
  ) {
    this.log.setContext(DeliveryDispatcher.name);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    // attempts in flight finish (each has WEBHOOK_TIMEOUT_MS at most), so their outcome is recorded, not repeated
    await Promise.allSettled([...this.inFlight]);
  }

  /** Look for due deliveries now rather than at the next poll. */
  kick(): void {
    this.pending = true;
    this.wake?.();
  }

  /**
   * Twice an attempt's timeout and 5 s: ample for an attempt to end and be recorded, so only a notifier that
   * died leaves a lease to run out, and its deliveries wait no longer than that for another notifier.
   */
  private get leaseSeconds(): number {
    return Math.ceil((2 * this.config.webhooks.timeoutMs) / 1000) + 5;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pending = false;
      const free = this.config.webhooks.concurrency - this.inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const due = await this.deliveries.claimDue(free, this.leaseSeconds);
          claimed = due.length;
          failures = 0;
          for (const delivery of due) {
            const attempt = this.delivery.attempt(delivery).catch((error: unknown) => {
              // recording failed (Postgres away): the lease runs out and the delivery is attempted again
              this.log.warn({ deliveryId: delivery.id, err: error }, 'recording a webhook attempt failed; it will be attempted again');
            });
            this.inFlight.add(attempt);
            void attempt.finally(() => {
              this.inFlight.delete(attempt);
              this.wake?.(); // a slot is free
            });
          }
        } catch (error) {
          failures++;
          this.log.warn({ err: error, failures }, 'claiming due webhook deliveries failed; trying again soon');
        }
      }
      if (!this.running) break;
      if (claimed > 0 && claimed === free) continue; // there may be more, and slots were free
      if (this.pending && failures === 0) continue;
      const delay = failures === 0 ? this.config.webhooks.pollMs : Math.min(this.config.webhooks.pollMs * 2 ** failures, 30_000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { AppConfig } from '@darkroom/config';
import { DeliveriesRepository } from '@darkroom/database';
import { DueWorkLoop } from '../due-work-loop';
import { EmailDeliveryService } from '../email/email-delivery.service';
import { WebhookDeliveryService } from './webhook-delivery.service';

/**
 * Sends what the fan-out recorded in `deliveries`: webhook attempts, WEBHOOK_CONCURRENCY at a time, and (with
 * SMTP_URL set) e-mails, a few at a time. Each loop claims due rows with a lease and looks again every poll or
 * when kicked (a fan-out page or an owner's notification added some). A slow or dead receiver holds one slot per
 * attempt for at most WEBHOOK_TIMEOUT_MS, never the fan-out (which only records) and never another receiver's
 * slots beyond those. A notifier that dies leaves its claims to any notifier once their lease has run out.
 */
@Injectable()
export class DeliveryDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loops: Array<DueWorkLoop<unknown>> = [];

  constructor(deliveries: DeliveriesRepository, webhooks: WebhookDeliveryService, emails: EmailDeliveryService, config: AppConfig, log: PinoLogger) {
    log.setContext(DeliveryDispatcher.name);
    // Twice an attempt's timeout and 5 s: ample for an attempt to end and be recorded, so only a notifier that
    // died leaves a lease to run out, and its claims wait no longer than that for another notifier.
    const webhookLease = Math.ceil((2 * config.webhooks.timeoutMs) / 1000) + 5;
    this.loops.push(
      new DueWorkLoop('webhook deliveries', { claim: (free) => deliveries.claimDue(free, webhookLease), handle: (d) => webhooks.attempt(d) }, config.webhooks.concurrency, config.webhooks.pollMs, log) as DueWorkLoop<unknown>,
    );
    if (config.email.smtpUrl !== undefined) {
      const emailLease = Math.ceil((2 * EmailDeliveryService.TIMEOUT_MS) / 1000) + 5;
      this.loops.push(
        new DueWorkLoop('e-mails', { claim: (free) => deliveries.claimDueEmails(free, config.email.digestSeconds, emailLease), handle: (batch) => emails.send(batch) }, 4, config.webhooks.pollMs, log) as DueWorkLoop<unknown>,
      );
    }
  }

  onApplicationBootstrap(): void {
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    // attempts in flight finish (each has its timeout at most), so their outcome is recorded, not repeated
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  /** Look for due deliveries now rather than at the next poll. */
  kick(): void {
    for (const loop of this.loops) loop.kick();
  }
}

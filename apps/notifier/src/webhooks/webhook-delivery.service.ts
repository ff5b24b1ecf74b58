import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { AppConfig } from '@darkroom/config';
import { type WebhookEventV1 } from '@darkroom/contracts';
import { type AttemptOutcome, DeliveriesRepository, type DueDelivery } from '@darkroom/database';
import { LiveNotificationPublisher } from '@darkroom/messaging';
import { signedHeaders } from '@darkroom/webhooks';
import { WebhookSender } from './webhook-sender';

export const WEBHOOK_ATTEMPTS = 'darkroom_webhook_attempts_total';
export const webhookAttempts = makeCounterProvider({
  name: WEBHOOK_ATTEMPTS,
  help: 'Webhook delivery attempts, by outcome: delivered, retry (due again later), failed (given up)',
  labelNames: ['outcome'],
});

/** The body of a delivery: the notification as GET /v1/notifications lists it, in the Standard Webhooks envelope. */
export function webhookBody(delivery: DueDelivery): string {
  const n = delivery.notification;
  const event: WebhookEventV1 = {
    type: n.kind,
    timestamp: n.createdAt,
    data: { id: n.id, kind: n.kind, uploadId: n.uploadId, actor: { handle: n.actorHandle }, createdAt: n.createdAt, readAt: null },
  };
  return JSON.stringify(event);
}

/**
 * One attempt of one delivery: sign, POST, record. A 2xx is delivered; anything else (another status, a
 * timeout, a refused or reset connection, a destination now forbidden) is due again after the schedule's next
 * wait, or given up after its last. An endpoint whose last WEBHOOK_DISABLE_AFTER deliveries were all given up
 * is disabled, and its pending deliveries with it.
 */
@Injectable()
export class WebhookDeliveryService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
    private readonly log: PinoLogger,
    @InjectMetric(WEBHOOK_ATTEMPTS) private readonly attempts: Counter<string>,
    private readonly live: LiveNotificationPublisher,
  ) {
    this.log.setContext(WebhookDeliveryService.name);
  }

  async attempt(delivery: DueDelivery): Promise<void> {
    const body = webhookBody(delivery);
    // webhook-id is the delivery's id: the same on every attempt and on a re-send, so receivers can drop repeats
    const headers = signedHeaders(delivery.secrets, delivery.id, new Date(), body);
    const attempt = delivery.attempts + 1;
    let outcome: AttemptOutcome;
    try {
      const { statusCode } = await this.sender.post(delivery.url, headers, body);
      outcome = statusCode >= 200 && statusCode < 300 ? { delivered: true, statusCode } : { delivered: false, statusCode, error: `answered ${statusCode}`, retryAt: this.retryAt(attempt) };
    } catch (error) {
      outcome = { delivered: false, statusCode: null, error: (error as Error).message, retryAt: this.retryAt(attempt) };
    }
    const failures = await this.deliveries.recordAttempt(delivery.id, outcome);
    const label = outcome.delivered ? 'delivered' : outcome.retryAt ? 'retry' : 'failed';
    this.attempts.inc({ outcome: label });
    const fields = { deliveryId: delivery.id, endpointId: delivery.endpointId, notificationId: delivery.notification.id, attempt, statusCode: outcome.statusCode };
    if (outcome.delivered) this.log.info(fields, 'webhook delivered');
    else if (outcome.retryAt) this.log.info({ ...fields, error: outcome.error, retryAt: outcome.retryAt }, 'webhook attempt failed; will retry');
    else this.log.warn({ ...fields, error: outcome.error }, 'webhook delivery given up after its last attempt');
    if (!outcome.delivered && !outcome.retryAt && failures !== null && failures >= this.config.webhooks.disableAfter) {
      const reason = `the last ${failures} deliveries failed every attempt (last: ${outcome.error})`;
      const disabled = await this.deliveries.disableEndpoint(delivery.endpointId, reason, this.config.email.smtpUrl !== undefined);
      if (disabled) {
        this.log.warn({ endpointId: delivery.endpointId, reason }, 'webhook endpoint disabled; its owner is notified');
        // the owner hears of it now, as of any notification (its e-mail, if any, goes through the dispatcher)
        await this.live.publishBatch({ kind: 'webhook.disabled', uploadId: null, actor: { handle: disabled.handle }, recipients: [disabled.notice] }).catch((error: unknown) => {
          this.log.warn({ err: error }, 'pushing the webhook.disabled notification live failed; it is in the list');
        });
      }
    }
  }

  /** When attempt `made + 1` is due, or null when `made` was the last the schedule allows. */
  private retryAt(made: number): Date | null {
    const wait = this.config.webhooks.retryScheduleMs[made - 1];
    return wait === undefined ? null : new Date(Date.now() + wait);
  }
}

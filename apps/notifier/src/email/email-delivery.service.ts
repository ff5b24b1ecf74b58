import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PinoLogger } from 'nestjs-pino';
import { createTransport, type Transporter } from 'nodemailer';
import type { Counter } from 'prom-client';
import { AppConfig } from '@darkroom/config';
import { unsubscribeUrl } from '@darkroom/contracts';
import { DeliveriesRepository, type EmailBatch } from '@darkroom/database';
import { composeEmail } from './email-composer';

export const EMAILS_SENT = 'darkroom_emails_total';
export const emailsSent = makeCounterProvider({ name: EMAILS_SENT, help: 'E-mails handed to the SMTP server, by outcome: sent, retry, failed (given up)', labelNames: ['outcome'] });

/**
 * Sends one e-mail per batch through SMTP_URL with nodemailer (STARTTLS when the server offers it, TLS from the
 * start for smtps://), with List-Unsubscribe headers for one-click unsubscribing, and records every delivery of
 * the batch: sent, due again on EMAIL_RETRY_SCHEDULE, or given up after its last wait.
 */
@Injectable()
export class EmailDeliveryService implements OnApplicationShutdown {
  /** An SMTP exchange that takes longer than this failed. */
  static readonly TIMEOUT_MS = 15_000;
  private readonly transport?: Transporter;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly config: AppConfig,
    private readonly log: PinoLogger,
    @InjectMetric(EMAILS_SENT) private readonly sent: Counter<string>,
  ) {
    this.log.setContext(EmailDeliveryService.name);
    const timeouts = { connectionTimeout: EmailDeliveryService.TIMEOUT_MS, greetingTimeout: EmailDeliveryService.TIMEOUT_MS, socketTimeout: EmailDeliveryService.TIMEOUT_MS };
    if (config.email.smtpUrl) this.transport = createTransport(config.email.smtpUrl, { from: config.email.from, ...timeouts });
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  async send(batch: EmailBatch): Promise<void> {
    if (!this.transport) return;
    const link = unsubscribeUrl(this.config.email.publicUrl, this.config.api.urlSigningSecret, batch.userId);
    const mail = composeEmail(batch, link, this.config.email.publicUrl);
    const attempt = Math.max(...batch.deliveries.map((d) => d.attempts)) + 1;
    let error: string | undefined;
    try {
      await this.transport.sendMail({
        to: batch.email,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'List-Unsubscribe': `<${link}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
    } catch (failure) {
      error = (failure as Error).message;
    }
    const wait = this.config.email.retryScheduleMs[attempt - 1];
    const retryAt = error === undefined || wait === undefined ? null : new Date(Date.now() + wait);
    for (const d of batch.deliveries) {
      await this.deliveries.recordAttempt(d.id, error === undefined ? { delivered: true, statusCode: 250 } : { delivered: false, statusCode: null, error, retryAt });
    }
    const outcome = error === undefined ? 'sent' : retryAt ? 'retry' : 'failed';
    this.sent.inc({ outcome });
    const fields = { userId: batch.userId, notifications: batch.deliveries.length, attempt };
    if (error === undefined) this.log.info(fields, 'e-mail sent');
    else this.log.warn({ ...fields, error, retryAt }, retryAt ? 'sending an e-mail failed; will retry' : 'e-mail given up after its last attempt');
  }
}

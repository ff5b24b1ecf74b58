import { Injectable } from '@nestjs/common';
import { InjectFlowProducer } from '@nestjs/bullmq';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { FlowProducer } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import type { Counter } from 'prom-client';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { AppConfig } from '@darkroom/config';
import {
  FAN_OUT_DONE,
  FAN_OUT_PAGE,
  FanOutDoneV1,
  fanOutJobId,
  FanOutPageResult,
  fanOutPageJobId,
  FanOutPageV1,
  UPLOAD_PROCESSED,
  UploadEventName,
  UploadEventV1,
} from '@darkroom/contracts';
import { FanOutRepository, NotificationKind, RecordedNotification } from '@darkroom/database';
import { DURABLE_JOB_OPTIONS, FAN_OUT_FLOW, LiveNotificationPublisher } from '@darkroom/messaging';
import { DeliveryDispatcher } from './webhooks/delivery-dispatcher';

export const NOTIFICATIONS_SENT = 'darkroom_notifications_sent_total';
export const notificationsSent = makeCounterProvider({
  name: NOTIFICATIONS_SENT,
  help: 'Notifications recorded for people (a replayed job that finds its notification already there does not count), by kind',
  labelNames: ['kind'],
});

const FOLLOWEE_POSTED: NotificationKind = 'followee.posted';

/**
 * What an upload's outcome means for people. The owner hears of it first; when it is done, every follower
 * hears of it through a BullMQ flow: one child job per page of followers, the parent finishing once all
 * pages have. Each page is one INSERT … SELECT that skips followers already notified, so a crash or a
 * retry anywhere writes no duplicate and skips no one.
 */
@Injectable()
export class FanOutService {
  constructor(
    private readonly fanOut: FanOutRepository,
    private readonly live: LiveNotificationPublisher,
    private readonly cache: Cache,
    private readonly config: AppConfig,
    @InjectFlowProducer(FAN_OUT_FLOW) private readonly flows: FlowProducer,
    private readonly log: PinoLogger,
    @InjectMetric(NOTIFICATIONS_SENT) private readonly sent: Counter<string>,
    private readonly webhooks: DeliveryDispatcher,
  ) {
    this.log.setContext(FanOutService.name);
  }

  /** `retried`: this is not the job's first attempt, so what was recorded before is published again. */
  /** E-mail deliveries are recorded only while e-mail is on (SMTP_URL set); nothing else would ever send them. */
  private get emailOn(): boolean {
    return this.config.email.smtpUrl !== undefined;
  }

  async onUploadEvent(event: UploadEventName, payload: UploadEventV1, retried: boolean): Promise<void> {
    const handle = await this.fanOut.handleOf(payload.ownerId);
    if (!handle) {
      this.log.info({ event }, 'the owner is gone; nobody to notify');
      return;
    }
    const added = await this.fanOut.notifyOwner(payload.uploadId, payload.ownerId, event, this.emailOn);
    if (added) {
      this.sent.inc({ kind: event });
      this.webhooks.kick(); // its webhook deliveries were recorded with it
    }
    // The owner's upload count changes when an upload is done; the profile must not lag behind the notification.
    if (event === UPLOAD_PROCESSED) await this.cache.invalidate(CACHE_NAMESPACE.profile, [payload.ownerId]);
    const toPublish = added ? (added.streamed ? [added] : []) : retried ? await this.fanOut.existing(payload.uploadId, event, [payload.ownerId]) : [];
    await this.publish(toPublish, event, payload.uploadId, handle);
    this.log.info({ event, notified: added ? 1 : 0, replay: !added }, added ? 'owner notified' : 'notification already recorded');

    if (event === UPLOAD_PROCESSED) await this.planFollowers(payload, handle);
  }

  /** Reads where each page of followers starts (never the followers themselves) and adds the flow. */
  private async planFollowers(payload: UploadEventV1, actorHandle: string): Promise<void> {
    const pageSize = this.config.notifier.fanOutBatchSize;
    const { followers, starts } = await this.fanOut.pageStarts(payload.ownerId, pageSize);
    if (followers === 0) return;
    // The first page is open below and the last above: a follower who arrives while the flow runs
    // still falls in exactly one page.
    const bounds = [null, ...starts];
    const pages: FanOutPageV1[] = bounds.map((from, page) => ({
      version: 1,
      uploadId: payload.uploadId,
      ownerId: payload.ownerId,
      actorHandle,
      requestId: payload.requestId,
      page,
      from,
      to: starts[page] ?? null,
    }));
    const done: FanOutDoneV1 = {
      version: 1,
      uploadId: payload.uploadId,
      ownerId: payload.ownerId,
      requestId: payload.requestId,
      pages: pages.length,
      plannedAt: new Date().toISOString(),
    };
    const queueName = this.config.redis.fanOutQueue;
    await this.flows.add({
      name: FAN_OUT_DONE,
      queueName,
      data: done,
      opts: { ...DURABLE_JOB_OPTIONS, jobId: fanOutJobId(payload.uploadId) },
      children: pages.map((page) => ({
        name: FAN_OUT_PAGE,
        queueName,
        data: page,
        opts: { ...DURABLE_JOB_OPTIONS, jobId: fanOutPageJobId(payload.uploadId, page.page) },
      })),
    });
    this.log.info({ followers, pages: pages.length, pageSize }, 'fan-out planned');
  }

  /** One page: record, invalidate the followers' feeds, then push live, in that order (a pushed follower reads a fresh feed). */
  async deliverPage(page: FanOutPageV1, retried: boolean): Promise<FanOutPageResult> {
    const result = await this.fanOut.notifyPage(page.uploadId, page.ownerId, FOLLOWEE_POSTED, page, this.emailOn);
    await this.cache.invalidate(CACHE_NAMESPACE.feed, result.followerIds);
    if (result.added.length > 0) {
      this.sent.inc({ kind: FOLLOWEE_POSTED }, result.added.length);
      this.webhooks.kick();
    }
    // A retry cannot tell whether its earlier attempt published: publish again; a stream drops ids it has sent.
    const toPublish = retried ? await this.fanOut.existing(page.uploadId, FOLLOWEE_POSTED, result.followerIds) : result.streamed;
    await this.publish(toPublish, FOLLOWEE_POSTED, page.uploadId, page.actorHandle);
    return { followers: result.followerIds.length, notified: result.added.length };
  }

  finish(done: FanOutDoneV1, pages: FanOutPageResult[]): FanOutPageResult {
    const total = pages.reduce((sum, p) => ({ followers: sum.followers + p.followers, notified: sum.notified + p.notified }), { followers: 0, notified: 0 });
    this.log.info({ ...total, pages: pages.length, ms: Date.now() - Date.parse(done.plannedAt) }, 'fan-out complete');
    return total;
  }

  private async publish(rows: RecordedNotification[], kind: NotificationKind, uploadId: string, actorHandle: string): Promise<void> {
    await this.live.publishBatch({ kind, uploadId, actor: { handle: actorHandle }, recipients: rows });
  }
}

import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { liveNotificationChannel, liveNotificationV1, LiveNotificationV1, UUID_PATTERN } from '@darkroom/contracts';
import { createRedis } from './redis-connection';

/** What publishing needs of a Redis connection: ioredis' `Redis` has it, a spec hands in a fake. */
export interface LivePublishConnection {
  eval(script: string, keys: number, ...args: Array<string | Buffer>): Promise<unknown>;
  quit(): Promise<unknown>;
}

/** Optional provider: a connection to publish on instead of the publisher's own (specs, or a shared client). */
export const LIVE_PUBLISH_CONNECTION = Symbol('LIVE_PUBLISH_CONNECTION');

/** Who gets one notification of a batch: the recorded row's id and time (ISO 8601, UTC, as Date#toISOString writes it). */
export interface LiveRecipient {
  userId: string;
  id: string;
  createdAt: string;
}

/** Notifications that differ only in recipient, id and time: one page of a fan-out, or an owner's one. */
export interface LiveNotificationBatch {
  kind: LiveNotificationV1['kind'];
  uploadId: string | null;
  actor: LiveNotificationV1['actor'];
  recipients: readonly LiveRecipient[];
}

// Every field of a recipient has a fixed width once checked: two uuids and a millisecond UTC timestamp.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const RECIPIENT_BYTES = 36 + 36 + 24;

/**
 * ARGV: the channel name without its user id, the message JSON in three pieces around id and createdAt,
 * then the recipients packed end to end, RECIPIENT_BYTES each (userId, id, createdAt). PUBLISH names no
 * key, so the script declares none.
 */
const PUBLISH_BATCH = `
local channel, before, between, after, packed = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
for at = 1, #packed, ${RECIPIENT_BYTES} do
  redis.call('PUBLISH', channel .. string.sub(packed, at, at + 35),
    before .. string.sub(packed, at + 36, at + 71) .. between .. string.sub(packed, at + 72, at + ${RECIPIENT_BYTES - 1}) .. after)
end
return #packed / ${RECIPIENT_BYTES}`;

// Stand-ins that JSON.stringify leaves as they are, cut out of the encoded sample to leave the message template.
const ID_MARK = '<id>';
const AT_MARK = '<createdAt>';
const MARKS = new RegExp(`${ID_MARK}|${AT_MARK}`);

/**
 * Announces new notifications to the api replicas holding their users'
 * streams: a Redis PUBLISH per notification on
 * `liveNotificationChannel(prefix, userId)`, the JSON of liveNotificationV1.
 *
 * Pub/sub is fire-and-forget: a replica that is not subscribed at that moment
 * never sees the message. That is fine because the notification row is the
 * truth: a stream that reconnects with Last-Event-ID is replayed from
 * Postgres. So publish after the row has committed, and a publish that fails
 * should be logged, not retried into a second row.
 */
@Injectable()
export class LiveNotificationPublisher implements OnApplicationShutdown {
  private readonly redis: LivePublishConnection;
  private readonly channelHead: string;

  constructor(config: AppConfig, @Optional() @Inject(LIVE_PUBLISH_CONNECTION) connection?: LivePublishConnection) {
    this.redis = connection ?? createRedis(config, 'live-publisher', { blocking: false });
    this.channelHead = liveNotificationChannel(config.redis.prefix, '');
  }

  /**
   * A whole batch in one script call, which assembles each message from a template: the notifier sends a page
   * of 1,000 followers as one buffer of their ids and times instead of 2,000 strings, a channel name and a JSON
   * message each, which (with the objects behind them, copied again by the client into the command) were most
   * of its memory churn in a fan-out.
   * The template is the encoding of a complete notification checked against the contract, so what reaches a
   * browser is byte for byte `JSON.stringify(liveNotificationV1.parse(notification))`.
   */
  async publishBatch(batch: LiveNotificationBatch): Promise<void> {
    const [first] = batch.recipients;
    if (!first) return;
    const sample = liveNotificationV1.parse({ id: first.id, kind: batch.kind, uploadId: batch.uploadId, actor: batch.actor, createdAt: first.createdAt, readAt: null });
    const [before, between, after, ...rest] = JSON.stringify({ ...sample, id: ID_MARK, createdAt: AT_MARK }).split(MARKS);
    if (between === undefined || after === undefined || rest.length > 0 || `${before}${sample.id}${between}${sample.createdAt}${after}` !== JSON.stringify(sample)) {
      throw new Error(`live notification template for upload ${batch.uploadId} does not reproduce the notification`);
    }
    const packed = Buffer.allocUnsafe(batch.recipients.length * RECIPIENT_BYTES);
    let at = 0;
    for (const { userId, id, createdAt } of batch.recipients) {
      if (!UUID_PATTERN.test(userId) || !UUID_PATTERN.test(id) || !ISO_UTC.test(createdAt)) {
        throw new Error(`live notification ${JSON.stringify(id)} for ${JSON.stringify(userId)} at ${JSON.stringify(createdAt)} breaks the contract`);
      }
      packed.write(userId, at, 'latin1');
      packed.write(id, at + 36, 'latin1');
      packed.write(createdAt, at + 72, 'latin1');
      at += RECIPIENT_BYTES;
    }
    await this.redis.eval(PUBLISH_BATCH, 0, this.channelHead, before!, between, after, packed);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

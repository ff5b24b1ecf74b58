import { z } from 'zod';

/** BullMQ job names on the fan-out queue: a parent per upload, done when every page is. */
export const FAN_OUT_PAGE = 'fanout.page';
export const FAN_OUT_DONE = 'fanout.done';

/** One page of an upload's followers: follower ids from `from` (inclusive) to `to` (exclusive); null is open. */
export const fanOutPageV1 = z.object({
  version: z.literal(1),
  uploadId: z.uuid(),
  ownerId: z.uuid(),
  actorHandle: z.string().min(1),
  requestId: z.string().min(1).max(200),
  page: z.number().int().min(0),
  from: z.uuid().nullable(),
  to: z.uuid().nullable(),
});
export type FanOutPageV1 = z.infer<typeof fanOutPageV1>;

export const fanOutDoneV1 = z.object({
  version: z.literal(1),
  uploadId: z.uuid(),
  ownerId: z.uuid(),
  requestId: z.string().min(1).max(200),
  pages: z.number().int().min(1),
  /** When the worker recorded the upload done, so that the parent can log the whole fan-out's time. */
  plannedAt: z.iso.datetime(),
});
export type FanOutDoneV1 = z.infer<typeof fanOutDoneV1>;

/** Deterministic ids: a retried plan finds its flow already there, and BullMQ adds nothing twice. */
export const fanOutJobId = (uploadId: string) => `fanout-${uploadId}`;
export const fanOutPageJobId = (uploadId: string, page: number) => `fanout-${uploadId}-p${page}`;

/** What a page job returns to its parent. */
export interface FanOutPageResult {
  followers: number;
  notified: number;
}

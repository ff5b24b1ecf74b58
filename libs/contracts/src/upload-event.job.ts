import { z } from 'zod';

/** BullMQ job names on the notifications queue, one per upload outcome. */
export const UPLOAD_PROCESSED = 'upload.processed';
export const UPLOAD_FAILED = 'upload.failed';
export type UploadEventName = typeof UPLOAD_PROCESSED | typeof UPLOAD_FAILED;
export const UPLOAD_EVENT_NAMES: readonly UploadEventName[] = [UPLOAD_PROCESSED, UPLOAD_FAILED];

/** `upload.processed` / `upload.failed` v1. */
export const uploadEventV1 = z.object({
  version: z.literal(1),
  uploadId: z.uuid(),
  ownerId: z.uuid(),
  requestId: z.string().min(1).max(200),
});

export type UploadEventV1 = z.infer<typeof uploadEventV1>;

/** Deterministic, so that a replayed outbox row adds no second job (BullMQ ignores a known jobId). */
export function uploadEventJobId(event: UploadEventName, uploadId: string): string {
  return `upload-${uploadId}-${event === UPLOAD_PROCESSED ? 'processed' : 'failed'}`;
}

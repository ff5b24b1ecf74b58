import { z } from 'zod';

/** AMQP routing key and `type` property of the message the api publishes for every accepted upload. */
export const IMAGE_UPLOADED = 'image.uploaded';

/**
 * `image.uploaded` v1: ids and storage keys only, never image bytes. Plain JSON,
 * so a consumer written in any language can read it.
 */
export const imageUploadedV1 = z.object({
  version: z.literal(1),
  uploadId: z.uuid(),
  ownerId: z.uuid(),
  // Exactly the shape storage-keys.ts builds: a message can never point a worker elsewhere on the volume.
  originalKey: z.string().regex(/^originals\/\d{4}\/\d{2}\/[0-9a-f-]{36}$/, 'must be originals/<yyyy>/<mm>/<uploadId>'),
  mime: z.string().min(1),
  requestId: z.string().min(1).max(200),
});

export type ImageUploadedV1 = z.infer<typeof imageUploadedV1>;

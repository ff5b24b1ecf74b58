import { randomUUID } from 'node:crypto';
import { imageUploadedV1 } from './image-uploaded.message';
import { originalKey } from './storage-keys';

describe('image.uploaded v1', () => {
  const uploadId = randomUUID();
  const valid = {
    version: 1,
    uploadId,
    ownerId: randomUUID(),
    originalKey: originalKey(uploadId, new Date(Date.UTC(2026, 0, 5))),
    mime: 'image/jpeg',
    requestId: 'req-1',
  };

  it('accepts what the api publishes', () => {
    expect(imageUploadedV1.parse(valid)).toEqual(valid);
    expect(valid.originalKey).toBe(`originals/2026/01/${uploadId}`);
  });

  it.each([
    ['another version', { version: 2 }],
    ['a malformed upload id', { uploadId: 'nope' }],
    ['a key outside originals/', { originalKey: `thumbnails/${uploadId}/large.webp` }],
    ['a key that climbs out of the volume', { originalKey: `originals/2026/01/../../../etc/passwd` }],
    ['no request id', { requestId: '' }],
  ])('refuses %s', (_, change) => {
    expect(imageUploadedV1.safeParse({ ...valid, ...change }).success).toBe(false);
  });
});

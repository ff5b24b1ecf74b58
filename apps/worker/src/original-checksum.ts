import { createHash } from 'node:crypto';
import { PhotoStore } from '@darkroom/storage';

/**
 * The sha256 (hex) of a stored original. The worker computes it, not the api: the api's share of each upload's
 * CPU is what limits ingest, the bytes are in the page cache right after the render read them, and hashing
 * 5 MB (about 4 ms) is a few percent of developing the photo.
 */
export async function checksumOf(store: PhotoStore, key: string): Promise<string> {
  const file = await store.read(key);
  if (!file) throw new Error(`the original ${key} is gone`);
  const hash = createHash('sha256');
  for await (const chunk of file.stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

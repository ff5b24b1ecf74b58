import type { Upload } from './types';

const settled = (u: Upload) => u.status === 'done' || u.status === 'failed';

/**
 * A list of uploads with one more view of an upload: it replaces the item with the same id, or goes first.
 * A view that arrives late (the 202's `queued` after the stream's `done`) never takes a finished one back.
 */
export function upsert(items: Upload[], upload: Upload): Upload[] {
  const at = items.findIndex((u) => u.id === upload.id);
  if (at === -1) return [upload, ...items];
  const current = items[at]!;
  if (settled(current) && !settled(upload)) return items;
  const next = items.slice();
  next[at] = { ...upload, owner: upload.owner ?? current.owner };
  return next;
}

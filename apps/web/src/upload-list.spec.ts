import type { Upload } from './types';
import { upsert } from './upload-list';

const view = (id: string, status: Upload['status'], extra: Partial<Upload> = {}): Upload => ({
  id,
  status,
  caption: null,
  originalName: `${id}.jpg`,
  width: null,
  height: null,
  thumbhash: null,
  createdAt: '2026-12-03T08:00:00.000Z',
  failureReason: null,
  thumbnails: [],
  ...extra,
});

describe('upsert', () => {
  it('puts a new upload first and replaces a known one in place', () => {
    const list = [view('a', 'done'), view('b', 'queued')];
    expect(upsert(list, view('c', 'queued')).map((u) => u.id)).toEqual(['c', 'a', 'b']);
    const next = upsert(list, view('b', 'done', { thumbhash: 'xyz' }));
    expect(next.map((u) => [u.id, u.status, u.thumbhash])).toEqual([
      ['a', 'done', null],
      ['b', 'done', 'xyz'],
    ]);
    expect(list[1]!.status).toBe('queued'); // the old list is left as it was
  });

  it("never takes a finished upload back to queued (the 202 arriving after the stream's verdict)", () => {
    const list = [view('a', 'done'), view('b', 'failed', { failureReason: 'truncated' })];
    expect(upsert(list, view('a', 'queued'))).toBe(list);
    expect(upsert(list, view('b', 'queued'))).toBe(list);
  });

  it("keeps a feed item's owner when the new view has none", () => {
    const list = [view('a', 'done', { owner: { id: 'u1', handle: 'ada' } })];
    expect(upsert(list, view('a', 'done'))[0]!.owner).toEqual({ id: 'u1', handle: 'ada' });
  });
});

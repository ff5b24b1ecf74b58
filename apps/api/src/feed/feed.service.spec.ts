import { BadRequestException } from '@nestjs/common';
import { CACHE_NAMESPACE, MemoryCache } from '@darkroom/cache';
import { encodeCursor, type FeedEntry, type FeedPage, type FeedRepository, type Keyset, type UploadEntity } from '@darkroom/database';
import type { UploadViews } from '../uploads/upload-views';
import { FeedService } from './feed.service';

const VIEWER = '00000000-0000-4000-8000-0000000000f0';
const OWNER = { id: '00000000-0000-4000-8000-0000000000b0', handle: 'bob_b' };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const CURSOR = encodeCursor({ createdAt: new Date('2025-03-14T15:09:26.535Z'), id: id(3) });

describe('FeedService', () => {
  let cache: MemoryCache;
  let pages: jest.Mock<Promise<FeedPage>, [string, Keyset | null, number]>;
  let hydrate: jest.Mock<Promise<FeedEntry[]>, [string, readonly string[]]>;
  /** Uploads that exist and are visible to the viewer; hydrate drops the rest. */
  let visible: Set<string>;
  let service: FeedService;

  beforeEach(() => {
    cache = new MemoryCache();
    visible = new Set([id(1), id(2), id(3), id(4)]);
    pages = jest.fn(async (_viewer: string, after: Keyset | null, limit: number) =>
      after ? { ids: [id(4)], nextCursor: null } : { ids: [id(1), id(2), id(3)].slice(0, limit), nextCursor: CURSOR },
    );
    hydrate = jest.fn(async (_viewer: string, ids: readonly string[]) =>
      ids.filter((i) => visible.has(i)).map((i) => ({ upload: { id: i, ownerId: OWNER.id } as UploadEntity, owner: OWNER })),
    );
    const views = { of: async (uploads: UploadEntity[]) => uploads.map((u) => ({ id: u.id, originalUrl: `/v1/uploads/${u.id}/original?sig=fresh` })) };
    service = new FeedService({ page: pages, hydrate } as unknown as FeedRepository, views as unknown as UploadViews, cache);
  });

  it('answers the views of the page in order, each with its owner', async () => {
    const page = await service.page(VIEWER, undefined);

    expect(page.items.map((i) => i.id)).toEqual([id(1), id(2), id(3)]);
    expect(page.items[0]).toMatchObject({ owner: OWNER, originalUrl: `/v1/uploads/${id(1)}/original?sig=fresh` });
    expect(page.nextCursor).toBe(CURSOR);
    expect(pages).toHaveBeenCalledWith(VIEWER, null, 20);
  });

  it('caches the first page as ids and nextCursor only, and hydrates them from Postgres on every read', async () => {
    await service.page(VIEWER, undefined);
    await service.page(VIEWER, undefined);

    expect(pages).toHaveBeenCalledTimes(1);
    expect(hydrate).toHaveBeenCalledTimes(2);
    expect((await cache.read(CACHE_NAMESPACE.feed, VIEWER)).value).toEqual({ limit: 20, ids: [id(1), id(2), id(3)], nextCursor: CURSOR });
  });

  it('drops a cached id that is gone or no longer visible, keeping the order and the cursor', async () => {
    await service.page(VIEWER, undefined);
    visible.delete(id(2));

    const page = await service.page(VIEWER, undefined);

    expect(page.items.map((i) => i.id)).toEqual([id(1), id(3)]);
    expect(page.nextCursor).toBe(CURSOR);
    expect(pages).toHaveBeenCalledTimes(1);
  });

  it('builds the first page again after the feed entry is invalidated', async () => {
    await service.page(VIEWER, undefined);
    await cache.invalidate(CACHE_NAMESPACE.feed, [VIEWER]);
    await service.page(VIEWER, undefined);

    expect(pages).toHaveBeenCalledTimes(2);
  });

  it('does not cache later pages', async () => {
    const page = await service.page(VIEWER, CURSOR, 10);

    expect(page.items.map((i) => i.id)).toEqual([id(4)]);
    expect(pages).toHaveBeenCalledWith(VIEWER, { createdAt: new Date('2025-03-14T15:09:26.535Z'), id: id(3) }, 10);
    expect(cache.entries.size).toBe(0);
  });

  it('answers a first page of another size than the cached one from Postgres, without replacing the entry', async () => {
    await service.page(VIEWER, undefined, 20);

    const small = await service.page(VIEWER, undefined, 2);

    expect(small.items.map((i) => i.id)).toEqual([id(1), id(2)]);
    expect(pages).toHaveBeenLastCalledWith(VIEWER, null, 2);
    expect((await cache.read<FeedPage & { limit: number }>(CACHE_NAMESPACE.feed, VIEWER)).value!.limit).toBe(20);
  });

  it('still answers when the cache is down', async () => {
    jest.spyOn(cache, 'read').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:6379'));

    expect((await service.page(VIEWER, undefined)).items).toHaveLength(3);
  });

  it('refuses a tampered cursor with a 400', async () => {
    await expect(service.page(VIEWER, 'not a cursor!')).rejects.toBeInstanceOf(BadRequestException);
    expect(pages).not.toHaveBeenCalled();
  });
});

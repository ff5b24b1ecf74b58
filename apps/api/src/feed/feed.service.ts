import { Injectable } from '@nestjs/common';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { FeedPage, FeedRepository } from '@darkroom/database';
import { parseCursorParam } from '../http/page-cursor';
import { UploadViews } from '../uploads/upload-views';
import { FeedPageDto } from './dto/feed.dto';

/** The cached first page: ids only (views carry signed URLs that expire), and the page size it was built for. */
interface CachedFirstPage extends FeedPage {
  limit: number;
}

@Injectable()
export class FeedService {
  constructor(
    private readonly feed: FeedRepository,
    private readonly views: UploadViews,
    private readonly cache: Cache,
  ) {}

  /**
   * The done uploads of the people the viewer follows, newest first. Only the first page is cached
   * (the one every app open asks for); whichever page it is, its ids are hydrated from Postgres by
   * primary key, so a deleted upload or an unfollowed owner drops out at once.
   */
  async page(viewerId: string, cursor: string | undefined, limit = 20): Promise<FeedPageDto> {
    const after = parseCursorParam(cursor);
    const page = after ? await this.feed.page(viewerId, after, limit) : await this.firstPage(viewerId, limit);
    const entries = await this.feed.hydrate(viewerId, page.ids);
    const views = await this.views.of(entries.map((e) => e.upload));
    return { items: views.map((view, i) => ({ ...view, owner: entries[i]!.owner })), nextCursor: page.nextCursor };
  }

  private async firstPage(viewerId: string, limit: number): Promise<FeedPage> {
    const cached = await this.cache.getOrLoad<CachedFirstPage>(CACHE_NAMESPACE.feed, viewerId, async () => ({
      limit,
      ...(await this.feed.page(viewerId, null, limit)),
    }));
    // One entry per viewer: a page size other than the cached one is read from Postgres, uncached.
    return cached.limit === limit ? cached : this.feed.page(viewerId, null, limit);
  }
}

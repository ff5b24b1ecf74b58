import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { onNotification, onReload } from '../live';
import { follow } from '../router';
import { fetchUpload } from '../transfers';
import type { Page, Upload } from '../types';
import { upsert } from '../upload-list';
import { PhotoGrid } from './PhotoGrid';
import { Empty, Failed, Loading } from './states';
import { Viewer } from './Viewer';

type List = { state: 'loading' } | { state: 'error'; reason: string } | { state: 'ready'; items: Upload[]; nextCursor: string | null; more?: boolean };

/** Photos of the people you follow, newest first; a new one slides in when its owner's notification arrives. */
export function FeedPage() {
  const [list, setList] = useState<List>({ state: 'loading' });
  const [open, setOpen] = useState<number | null>(null);

  const load = useCallback(() => {
    setList({ state: 'loading' });
    api<Page<Upload>>('/v1/feed?limit=48').then(
      (page) => setList({ state: 'ready', items: page.items, nextCursor: page.nextCursor }),
      (error: ApiError) => setList({ state: 'error', reason: error.message }),
    );
  }, []);
  useEffect(load, [load]);
  useEffect(() => onReload(load), [load]);

  useEffect(
    () =>
      onNotification((n) => {
        if (n.kind !== 'followee.posted') return;
        fetchUpload(n.uploadId).then(
          (upload) => setList((l) => (l.state === 'ready' ? { ...l, items: upsert(l.items, { ...upload, owner: upload.owner ?? { id: '', handle: n.actor.handle } }) } : l)),
          () => undefined, // deleted, or unfollowed meanwhile
        );
      }),
    [],
  );

  const loadMore = (cursor: string) => {
    setList((l) => (l.state === 'ready' ? { ...l, more: true } : l));
    api<Page<Upload>>(`/v1/feed?limit=48&cursor=${encodeURIComponent(cursor)}`).then(
      (page) => setList((l) => (l.state === 'ready' ? { state: 'ready', items: [...l.items, ...page.items.filter((u) => !l.items.some((i) => i.id === u.id))], nextCursor: page.nextCursor } : l)),
      () => setList((l) => (l.state === 'ready' ? { ...l, more: false } : l)),
    );
  };

  const items = list.state === 'ready' ? list.items : [];
  return (
    <main class="page">
      <h1 class="page-title">Feed</h1>
      {list.state === 'loading' ? (
        <Loading what="your feed" />
      ) : list.state === 'error' ? (
        <Failed what="your feed" reason={list.reason} retry={load} />
      ) : items.length === 0 ? (
        <Empty>
          <p>Nothing in your feed yet.</p>
          <p>
            Follow someone (type their handle in <em>Find people</em> above) and their new photos appear here as they are developed. Your own photos are under{' '}
            <a href="/" onClick={(e) => follow(e, '/')}>
              Your photos
            </a>
            .
          </p>
        </Empty>
      ) : (
        <>
          <PhotoGrid items={items} onOpen={setOpen} showOwner label="Photos of the people you follow" />
          {list.state === 'ready' && list.nextCursor ? (
            <button type="button" class="button more" disabled={list.more} onClick={() => loadMore(list.nextCursor!)}>
              {list.more ? 'Loading…' : 'Show older photos'}
            </button>
          ) : null}
        </>
      )}
      {open !== null && items.length ? <Viewer items={items} index={Math.min(open, items.length - 1)} onIndex={setOpen} onClose={() => setOpen(null)} /> : null}
    </main>
  );
}

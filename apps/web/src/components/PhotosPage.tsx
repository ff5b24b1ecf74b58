import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { onNotification, onReload } from '../live';
import { clearSettled, fetchUpload, onAccepted, sendFiles, settle, useTransfers } from '../transfers';
import type { Page, Upload } from '../types';
import { upsert } from '../upload-list';
import { PhotoGrid } from './PhotoGrid';
import { Empty, Failed, Loading } from './states';
import { Uploader } from './Uploader';
import { Viewer } from './Viewer';

type List = { state: 'loading' } | { state: 'error'; reason: string } | { state: 'ready'; items: Upload[]; nextCursor: string | null; more?: boolean };

/** Your own photos: the uploader on top, the gallery below, both kept current by the notification stream. */
export function PhotosPage() {
  const [list, setList] = useState<List>({ state: 'loading' });
  const transfers = useTransfers();
  const [open, setOpen] = useState<number | null>(null);

  const load = useCallback(() => {
    setList({ state: 'loading' });
    api<Page<Upload>>('/v1/uploads?limit=48').then(
      (page) => {
        setList({ state: 'ready', items: page.items, nextCursor: page.nextCursor });
        // a reload after missed events also settles the rows of files still waiting for their verdict
        for (const upload of page.items) settle(upload);
      },
      (error: ApiError) => setList({ state: 'error', reason: error.message }),
    );
  }, []);

  const loadMore = (cursor: string) => {
    setList((l) => (l.state === 'ready' ? { ...l, more: true } : l));
    api<Page<Upload>>(`/v1/uploads?limit=48&cursor=${encodeURIComponent(cursor)}`).then(
      (page) => setList((l) => (l.state === 'ready' ? { state: 'ready', items: [...l.items, ...page.items.filter((u) => !l.items.some((i) => i.id === u.id))], nextCursor: page.nextCursor } : l)),
      () => setList((l) => (l.state === 'ready' ? { ...l, more: false } : l)),
    );
  };

  const show = useCallback((upload: Upload) => setList((l) => (l.state === 'ready' ? { ...l, items: upsert(l.items, upload) } : l)), []);

  useEffect(load, [load]);
  useEffect(() => onReload(load), [load]);
  useEffect(() => onAccepted(show), [show]);
  // The worker's verdict, pushed: fetch the upload once for its thumbnails (or its reason) and show it.
  useEffect(
    () =>
      onNotification((n) => {
        if (n.kind === 'upload.processed' || n.kind === 'upload.failed') fetchUpload(n.uploadId).then(show, () => undefined);
      }),
    [show],
  );

  const done = list.state === 'ready' ? list.items.filter((u) => u.status === 'done') : [];
  // Gone from the API first, then from the page; the viewer shows the next photo, or closes after the last.
  const remove = (upload: Upload) =>
    api(`/v1/uploads/${upload.id}`, { method: 'DELETE' }).then(() => {
      setList((l) => (l.state === 'ready' ? { ...l, items: l.items.filter((u) => u.id !== upload.id) } : l));
      if (done.length <= 1) setOpen(null);
    });
  return (
    <main class="page">
      <h1 class="page-title">Your photos</h1>
      <Uploader transfers={transfers} onFiles={sendFiles} onClear={clearSettled} />
      {list.state === 'loading' ? (
        <Loading what="your photos" />
      ) : list.state === 'error' ? (
        <Failed what="your photos" reason={list.reason} retry={load} />
      ) : list.items.length === 0 ? (
        <Empty>
          <p>No photos yet.</p>
          <p>Choose a few above, or drop them on the box: they appear here as soon as they are developed.</p>
        </Empty>
      ) : (
        <>
          <PhotoGrid items={list.items} onOpen={setOpen} label="Your photos" />
          {list.nextCursor ? (
            <button type="button" class="button more" disabled={list.more} onClick={() => loadMore(list.nextCursor!)}>
              {list.more ? 'Loading…' : 'Show older photos'}
            </button>
          ) : null}
        </>
      )}
      {open !== null && done.length ? <Viewer items={done} index={Math.min(open, done.length - 1)} onIndex={setOpen} onClose={() => setOpen(null)} onDelete={remove} /> : null}
    </main>
  );
}

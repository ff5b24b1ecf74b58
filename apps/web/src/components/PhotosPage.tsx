import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { onNotification, onReload } from '../live';
import { sendPhoto } from '../send-photo';
import type { Page, Upload } from '../types';
import { upsert } from '../upload-list';
import { PhotoGrid } from './PhotoGrid';
import { Empty, Failed, Loading } from './states';
import { Transfer, Uploader } from './Uploader';
import { Viewer } from './Viewer';

// Uploads in flight at once: a few keep the link busy without one file starving the others.
const PARALLEL_UPLOADS = 3;

type List = { state: 'loading' } | { state: 'error'; reason: string } | { state: 'ready'; items: Upload[]; nextCursor: string | null; more?: boolean };

/** Your own photos: the uploader on top, the gallery below, both kept current by the notification stream. */
export function PhotosPage() {
  const [list, setList] = useState<List>({ state: 'loading' });
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [open, setOpen] = useState<number | null>(null);
  const pending = useRef<Array<{ key: string; file: File }>>([]);
  const active = useRef(0);
  // Results that arrived over the stream before the upload's own 202 did (a fast worker).
  const finished = useRef(new Map<string, Upload>());

  const load = useCallback(() => {
    setList({ state: 'loading' });
    api<Page<Upload>>('/v1/uploads?limit=48').then(
      (page) => {
        setList({ state: 'ready', items: page.items, nextCursor: page.nextCursor });
        // a reload after missed events also settles the rows of files still waiting for their verdict
        setTransfers((ts) =>
          ts.map((t) => {
            const upload = page.items.find((u) => u.id === t.uploadId);
            return upload && (t.state === 'queued' || t.state === 'processing') ? { ...t, state: upload.status, reason: upload.failureReason ?? undefined } : t;
          }),
        );
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

  const show = (upload: Upload) => setList((l) => (l.state === 'ready' ? { ...l, items: upsert(l.items, upload) } : l));
  const update = (key: string, change: Partial<Transfer>) => setTransfers((ts) => ts.map((t) => (t.key === key ? { ...t, ...change } : t)));

  useEffect(load, [load]);
  useEffect(() => onReload(load), [load]);

  // The worker's verdict, pushed: fetch the upload once for its thumbnails (or its reason) and show it.
  useEffect(
    () =>
      onNotification((n) => {
        if (n.kind !== 'upload.processed' && n.kind !== 'upload.failed') return;
        api<Upload>(`/v1/uploads/${n.uploadId}`).then((upload) => {
          finished.current.set(upload.id, upload);
          show(upload);
          setTransfers((ts) => ts.map((t) => (t.uploadId === upload.id ? { ...t, state: upload.status, reason: upload.failureReason ?? undefined } : t)));
        }, () => undefined);
      }),
    [],
  );

  const pump = () => {
    while (active.current < PARALLEL_UPLOADS && pending.current.length) {
      const { key, file } = pending.current.shift()!;
      active.current += 1;
      update(key, { state: 'uploading' });
      void sendPhoto(file, (sent) => update(key, { sent })).then((result) => {
        active.current -= 1;
        if (!result.ok) {
          update(key, { state: 'rejected', reason: result.reason });
        } else {
          const known = finished.current.get(result.id);
          update(key, { state: known?.status ?? 'queued', uploadId: result.id, sent: file.size, reason: known?.failureReason ?? undefined });
          show(known ?? { id: result.id, status: 'queued', caption: null, originalName: file.name, width: null, height: null, thumbhash: null, createdAt: new Date().toISOString(), failureReason: null, thumbnails: [] });
        }
        pump();
      });
    }
  };

  const onFiles = (files: File[]) => {
    const added = files.map((file) => ({ key: `${Date.now()}-${Math.random().toString(36).slice(2)}`, file }));
    setTransfers((ts) => [...ts, ...added.map(({ key, file }) => ({ key, name: file.name, bytes: file.size, sent: 0, state: 'waiting' as const }))]);
    pending.current.push(...added);
    pump();
  };

  const done = list.state === 'ready' ? list.items.filter((u) => u.status === 'done') : [];
  return (
    <main class="page">
      <h1 class="page-title">Your photos</h1>
      <Uploader transfers={transfers} onFiles={onFiles} onClear={() => setTransfers([])} />
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
      {open !== null && done.length ? <Viewer items={done} index={Math.min(open, done.length - 1)} onIndex={setOpen} onClose={() => setOpen(null)} /> : null}
    </main>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { onNotification } from './live';
import { sendPhoto } from './send-photo';
import type { Upload, UploadStatus } from './types';

export type TransferState = 'waiting' | 'uploading' | UploadStatus | 'rejected';

export interface Transfer {
  key: string;
  name: string;
  bytes: number;
  sent: number;
  state: TransferState;
  reason?: string;
  uploadId?: string;
}

// Uploads in flight at once: a few keep the link busy without one file starving the others.
const PARALLEL_UPLOADS = 3;

/**
 * The files this page is sending and what became of them, kept outside any view: going to the feed
 * while photos go up must not lose them (nor their rows, when you come back).
 */
let transfers: Transfer[] = [];
const pending: Array<{ key: string; file: File }> = [];
let active = 0;
const watchers = new Set<() => void>();
const acceptedListeners = new Set<(upload: Upload) => void>();
// Verdicts that arrived over the stream before the upload's own 202 did (a fast worker).
const verdicts = new Map<string, Upload>();
const fetching = new Map<string, Promise<Upload>>();

function set(next: Transfer[]): void {
  transfers = next;
  for (const watch of watchers) watch();
}

function update(key: string, change: Partial<Transfer>): void {
  set(transfers.map((t) => (t.key === key ? { ...t, ...change } : t)));
}

/** GET /v1/uploads/:id once however many views ask for it at the same moment. */
export function fetchUpload(id: string): Promise<Upload> {
  let request = fetching.get(id);
  if (!request) {
    request = api<Upload>(`/v1/uploads/${id}`).finally(() => fetching.delete(id));
    fetching.set(id, request);
  }
  return request;
}

/** A newer view of uploads this page sent (from the stream's verdict, or a reload of the list). */
export function settle(upload: Upload): void {
  verdicts.set(upload.id, upload);
  if (!transfers.some((t) => t.uploadId === upload.id && t.state !== upload.status)) return;
  set(transfers.map((t) => (t.uploadId === upload.id ? { ...t, state: upload.status, reason: upload.failureReason ?? undefined } : t)));
}

onNotification((n) => {
  if ((n.kind === 'upload.processed' || n.kind === 'upload.failed') && transfers.some((t) => t.uploadId === n.uploadId || t.state === 'uploading')) {
    fetchUpload(n.uploadId).then(settle, () => undefined);
  }
});

function pump(): void {
  while (active < PARALLEL_UPLOADS && pending.length) {
    const { key, file } = pending.shift()!;
    active += 1;
    update(key, { state: 'uploading' });
    void sendPhoto(file, (sent) => update(key, { sent })).then((result) => {
      active -= 1;
      if (!result.ok) {
        update(key, { state: 'rejected', reason: result.reason });
      } else {
        const known = verdicts.get(result.id);
        update(key, { state: known?.status ?? 'queued', uploadId: result.id, sent: file.size, reason: known?.failureReason ?? undefined });
        const accepted = known ?? { id: result.id, status: 'queued', caption: null, originalName: file.name, width: null, height: null, thumbhash: null, createdAt: new Date().toISOString(), failureReason: null, thumbnails: [] };
        for (const listener of acceptedListeners) listener(accepted);
      }
      pump();
    });
  }
}

export function sendFiles(files: File[]): void {
  const added = files.map((file) => ({ key: `${Date.now()}-${Math.random().toString(36).slice(2)}`, file }));
  set([...transfers, ...added.map(({ key, file }) => ({ key, name: file.name, bytes: file.size, sent: 0, state: 'waiting' as const }))]);
  pending.push(...added);
  pump();
}

/** Sign-out: the next person to sign in here sees none of these (files not yet sent are dropped). */
export function forgetTransfers(): void {
  pending.length = 0;
  verdicts.clear();
  set([]);
}

/** Forgets the rows of files that are finished one way or the other. */
export function clearSettled(): void {
  set(transfers.filter((t) => !['done', 'failed', 'rejected'].includes(t.state)));
}

/** Each upload the API accepted (202), as a `queued` view for the gallery. */
export function onAccepted(listener: (upload: Upload) => void): () => void {
  acceptedListeners.add(listener);
  return () => acceptedListeners.delete(listener);
}

export function useTransfers(): Transfer[] {
  const [value, setValue] = useState(transfers);
  useEffect(() => {
    const watch = () => setValue(transfers);
    watchers.add(watch);
    watch();
    return () => {
      watchers.delete(watch);
    };
  }, []);
  return value;
}

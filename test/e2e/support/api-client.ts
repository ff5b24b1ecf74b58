import { setTimeout as sleep } from 'node:timers/promises';
import { readState } from './e2e-env';

export interface UserSession {
  id: string;
  handle: string;
  token: string;
}

export interface UploadView {
  id: string;
  status: 'queued' | 'processing' | 'done' | 'failed';
  width: number | null;
  height: number | null;
  bytes: number;
  mime: string;
  originalName: string | null;
  failureReason: string | null;
  processedAt: string | null;
  thumbnails: Array<{ variant: string; width: number; height: number; bytes: number; url: string }>;
  originalUrl: string;
}

/** An item of GET /v1/notifications, and the data of a stream's `notification` event. */
export interface NotificationItem {
  id: string;
  kind: string;
  uploadId: string;
  actor: { handle: string };
  createdAt: string;
  readAt: string | null;
}

/** Where a client talks to: the api's base URL, and a run id that keeps handles apart. */
export interface ApiTarget {
  apiUrl: string;
  runId: string;
}

export function bearer(session: UserSession | string): Record<string, string> {
  return { authorization: `Bearer ${typeof session === 'string' ? session : session.token}` };
}

export interface FilePart {
  data: Buffer;
  name: string;
  type?: string;
  field?: string;
}

/** The client functions against one api; `target` is read on every call. */
export function apiClient(target: () => ApiTarget) {
  const url = (path: string): string => `${target().apiUrl}${path}`;

  async function createUser(prefix: string): Promise<UserSession> {
    const handle = `${prefix}_${target().runId}`.slice(0, 30);
    const response = await fetch(url('/v1/users'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, displayName: prefix }),
    });
    if (response.status !== 201) throw new Error(`POST /v1/users → ${response.status} ${await response.text()}`);
    return (await response.json()) as UserSession;
  }

  function postUpload(session: UserSession, files: FilePart[], extra: { caption?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const form = new FormData();
    for (const file of files) form.append(file.field ?? 'file', new Blob([file.data], { type: file.type ?? 'application/octet-stream' }), file.name);
    if (extra.caption !== undefined) form.append('caption', extra.caption);
    return fetch(url('/v1/uploads'), { method: 'POST', headers: { ...bearer(session), ...extra.headers }, body: form });
  }

  /** Upload one file and return its id (expects 202). */
  async function upload(session: UserSession, file: FilePart, extra: { caption?: string; headers?: Record<string, string> } = {}): Promise<string> {
    const response = await postUpload(session, [file], extra);
    const body = await response.json();
    if (response.status !== 202) throw new Error(`upload → ${response.status} ${JSON.stringify(body)}`);
    return (body as { id: string }).id;
  }

  async function getUpload(session: UserSession, id: string): Promise<UploadView> {
    const response = await fetch(url(`/v1/uploads/${id}`), { headers: bearer(session) });
    if (!response.ok) throw new Error(`GET /v1/uploads/${id} → ${response.status} ${await response.text()}`);
    return (await response.json()) as UploadView;
  }

  function waitForUpload(session: UserSession, id: string, timeoutMs = 60_000): Promise<UploadView> {
    return eventually(`upload ${id} to finish`, () => getUpload(session, id), (u) => u.status === 'done' || u.status === 'failed', timeoutMs);
  }

  return { url, createUser, postUpload, upload, getUpload, waitForUpload };
}

/** The e2e suites' client: the api global-setup started. */
export const { url, createUser, postUpload, upload, getUpload, waitForUpload } = apiClient(readState);

/** Polls the API, as a client would, until `until` holds or the time runs out. */
export async function eventually<T>(what: string, probe: () => Promise<T>, until: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (until(last)) return last;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

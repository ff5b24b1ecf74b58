import { setTimeout as sleep } from 'node:timers/promises';

export interface Session {
  id: string;
  handle: string;
  token: string;
}

export interface Upload {
  id: string;
  status: 'queued' | 'processing' | 'done' | 'failed';
  width: number | null;
  height: number | null;
  failureReason: string | null;
  thumbnails: Array<{ variant: string; width: number; height: number; bytes: number; url: string }>;
}

/** The stack as a user's client sees it: nothing but nginx's published port. */
export class FrontDoor {
  constructor(readonly base: string) {}

  url(path: string): string {
    return `${this.base}${path}`;
  }

  get(path: string, session?: Session, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(this.url(path), { headers: { ...(session ? { authorization: `Bearer ${session.token}` } : {}), ...headers } });
  }

  async json<T>(path: string, session?: Session): Promise<T> {
    const response = await this.get(path, session);
    if (!response.ok) throw new Error(`GET ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  async signUp(handle: string): Promise<Session> {
    const response = await fetch(this.url('/v1/users'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle }) });
    if (response.status !== 201) throw new Error(`POST /v1/users → ${response.status} ${await response.text()}`);
    return (await response.json()) as Session;
  }

  postUpload(session: Session, data: Buffer, name: string): Promise<Response> {
    const form = new FormData();
    form.append('file', new Blob([data]), name);
    return fetch(this.url('/v1/uploads'), { method: 'POST', headers: { authorization: `Bearer ${session.token}` }, body: form });
  }

  async upload(session: Session, data: Buffer, name: string): Promise<string> {
    const response = await this.postUpload(session, data, name);
    const body = (await response.json()) as { id: string };
    if (response.status !== 202) throw new Error(`upload of ${name} → ${response.status} ${JSON.stringify(body)}`);
    return body.id;
  }

  /** Every page of a keyset-paged list. */
  async all<T>(path: string, session: Session): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: T[]; nextCursor: string | null } = await this.json(`${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, session);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** Polls, as a client would, until every upload has finished (done or failed). */
  async waitFinished(session: Session, ids: string[], timeoutMs = 3 * 60_000): Promise<Upload[]> {
    const deadline = Date.now() + timeoutMs;
    let views: Upload[] = [];
    while (Date.now() < deadline) {
      views = await Promise.all(ids.map((id) => this.json<Upload>(`/v1/uploads/${id}`, session)));
      if (views.every((v) => v.status === 'done' || v.status === 'failed')) return views;
      await sleep(500);
    }
    const pending = views.filter((v) => v.status !== 'done' && v.status !== 'failed').map((v) => `${v.id}:${v.status}`);
    throw new Error(`${pending.length} uploads unfinished after ${timeoutMs} ms: ${pending.slice(0, 5).join(' ')}`);
  }
}

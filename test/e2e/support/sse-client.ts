/**
 * A small Server-Sent Events client over fetch(), reading the body stream as
 * a browser's EventSource would: lines end in \n, \r\n or \r; `field: value`
 * (one leading space dropped); data lines joined with \n; an empty line
 * dispatches; lines starting with ':' are comments. Unlike EventSource it
 * shows comments (heartbeats), the status and headers, and never reconnects
 * by itself: a test decides when to reconnect.
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  /** Date.now() when the event's blank line arrived. */
  at: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The JSON an error answer (not 200) carried. */
  body?: unknown;
  events: SseEvent[];
  comments: string[];
  retry?: number;
  readonly ended: boolean;
  /** Settles when the server ends the body (or the connection breaks). */
  done: Promise<void>;
  /** Resolves once `count` events are in `events` (or `until` holds), else rejects after timeoutMs. */
  waitFor(until: number | ((stream: SseStream) => boolean), timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  let ended = false;
  const stream: SseStream = {
    status: response.status,
    headers: response.headers,
    events: [],
    comments: [],
    get ended() {
      return ended;
    },
    done: Promise.resolve(),
    waitFor(until, timeoutMs = 10_000) {
      const holds = () => (typeof until === 'number' ? stream.events.length >= until : until(stream));
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (holds()) finish(resolve);
          else if (ended) finish(() => reject(new Error(`the stream ended first; events: ${describe(stream)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms; events: ${describe(stream)}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      abort.abort();
    },
  };
  if (response.status !== 200 || !response.body) {
    const text = await response.text();
    try {
      stream.body = JSON.parse(text);
    } catch {
      stream.body = text;
    }
    ended = true;
    return stream;
  }
  stream.done = read(response.body, stream, notify).finally(() => {
    ended = true;
    notify();
  });
  return stream;
}

async function read(body: ReadableStream<Uint8Array>, stream: SseStream, notify: () => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  let event: { id?: string; event?: string; data: string[] } = { data: [] };
  const line = (text: string) => {
    if (text === '') {
      if (event.data.length > 0) stream.events.push({ id: event.id, event: event.event ?? 'message', data: event.data.join('\n'), at: Date.now() });
      event = { data: [] };
      notify();
      return;
    }
    if (text.startsWith(':')) {
      stream.comments.push(text.slice(1).trimStart());
      notify();
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') event.data.push(value);
    else if (field === 'event') event.event = value;
    else if (field === 'id') event.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) stream.retry = Number(value);
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      // A \r at the very end may be the first half of \r\n: wait for the next chunk.
      let match: RegExpExecArray | null;
      while ((match = /\r\n|\r(?!$)|\n/.exec(pending))) {
        line(pending.slice(0, match.index));
        pending = pending.slice(match.index + match[0].length);
      }
    }
  } catch {
    // aborted by close(), or the connection broke: either way the stream is over
  }
}

function describe(stream: SseStream): string {
  return JSON.stringify(stream.events.map((e) => ({ id: e.id, event: e.event })));
}

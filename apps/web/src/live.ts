import { api } from './api';
import type { Notification } from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveHandlers {
  notification(notification: Notification): void;
  /** More was missed than the stream replays: reload the lists. */
  truncated(): void;
  status(status: LiveStatus): void;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15_000;

/**
 * The notification stream (Server-Sent Events). An EventSource cannot send the bearer header, so each
 * connection spends a single-use ticket; for the same reason its own automatic reconnect would be refused,
 * so on any error this closes it and opens a new one with a new ticket and `lastEventId`, and the API
 * replays what was missed (with backoff while the API is down). Returns a function that stops it.
 */
export function openLiveNotifications(handlers: LiveHandlers, lastEventId?: string): () => void {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = FIRST_RETRY_MS;
  let stopped = false;
  let opened = false;

  const retry = () => {
    if (stopped) return;
    handlers.status('reconnecting');
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  };

  async function connect(): Promise<void> {
    let ticket: string;
    try {
      ({ ticket } = await api<{ ticket: string }>('/v1/notifications/tickets', { method: 'POST' }));
    } catch {
      return retry();
    }
    if (stopped) return;
    const query = new URLSearchParams({ ticket });
    if (lastEventId) query.set('lastEventId', lastEventId);
    source = new EventSource(`/v1/notifications/stream?${query}`);
    source.onopen = () => {
      delay = FIRST_RETRY_MS;
      handlers.status('live');
      // Without an id to replay from, what happened while the stream was down can only be read again.
      if (opened && !lastEventId) handlers.truncated();
      opened = true;
    };
    source.addEventListener('notification', (event: MessageEvent<string>) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      handlers.notification(JSON.parse(event.data) as Notification);
    });
    source.addEventListener('replay-truncated', () => handlers.truncated());
    source.onerror = () => {
      source?.close();
      retry();
    };
  }

  handlers.status('connecting');
  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}

type Listener = (notification: Notification) => void;
const listeners = new Set<Listener>();
const reloaders = new Set<() => void>();

/** One stream per page; the views that care (gallery, feed, bell) listen here. */
export function onNotification(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The stream missed more than it replays: each view loads its list again. */
export function onReload(reload: () => void): () => void {
  reloaders.add(reload);
  return () => reloaders.delete(reload);
}

export function dispatchNotification(notification: Notification): void {
  for (const listener of listeners) listener(notification);
}

export function dispatchReload(): void {
  for (const reload of reloaders) reload();
}

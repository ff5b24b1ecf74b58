import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { navigate } from '../router';
import type { Notification } from '../types';

export function describe(n: Notification): string {
  switch (n.kind) {
    case 'upload.processed':
      return 'Your photo is developed';
    case 'upload.failed':
      return 'Your photo could not be developed';
    case 'followee.posted':
      return `@${n.actor.handle} posted a photo`;
    case 'webhook.disabled':
      return 'One of your webhook endpoints kept failing and was turned off';
    default:
      return 'Something happened';
  }
}

function ago(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/**
 * The bell: the unread count (kept live by App from the stream), and a list that marks what you open
 * as read, or everything at once.
 */
export function Bell({ items, unread, onRead, onAllRead }: { items: Notification[]; unread: number; onRead: (id: string) => void; onAllRead: () => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const away = (event: MouseEvent) => root.current && !root.current.contains(event.target as Node) && setOpen(false);
    const escape = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    addEventListener('mousedown', away);
    addEventListener('keydown', escape);
    return () => {
      removeEventListener('mousedown', away);
      removeEventListener('keydown', escape);
    };
  }, [open]);

  const select = (n: Notification) => {
    if (!n.readAt) {
      onRead(n.id);
      void api(`/v1/notifications/${n.id}/read`, { method: 'POST' }).catch(() => undefined);
    }
    setOpen(false);
    navigate(n.kind === 'followee.posted' ? '/feed' : '/');
  };

  return (
    <div class="bell" ref={root}>
      <button type="button" class="bell-button" aria-expanded={open} aria-label={`Notifications, ${unread} unread`} onClick={() => setOpen(!open)}>
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        {unread > 0 ? (
          <span class="bell-count" data-count={unread}>
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div class="bell-panel" role="region" aria-label="Notifications">
          <div class="bell-head">
            <strong>Notifications</strong>
            <button
              type="button"
              class="button button-quiet"
              disabled={unread === 0}
              onClick={() => {
                onAllRead();
                void api('/v1/notifications/read', { method: 'POST', json: { all: true } }).catch(() => undefined);
              }}
            >
              Mark all read
            </button>
          </div>
          {items.length === 0 ? (
            <p class="state">Nothing yet. You hear here when your photos are developed and when people you follow post.</p>
          ) : (
            <ul class="bell-list">
              {items.map((n) => (
                <li key={n.id}>
                  <button type="button" class={`bell-item${n.readAt ? '' : ' is-unread'}`} onClick={() => select(n)}>
                    <span>{describe(n)}</span>
                    <time dateTime={n.createdAt}>{ago(n.createdAt)}</time>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}

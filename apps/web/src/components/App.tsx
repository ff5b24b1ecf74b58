import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, whenUnauthorized } from '../api';
import { dispatchNotification, dispatchReload, LiveStatus, openLiveNotifications } from '../live';
import { follow, navigate, useRoute } from '../router';
import { clearSession, loadSession, saveSession } from '../session';
import { forgetTransfers } from '../transfers';
import type { Notification, Page, Session } from '../types';
import { Bell } from './Bell';
import { FeedPage } from './FeedPage';
import { PhotosPage } from './PhotosPage';
import { ProfilePage } from './ProfilePage';
import { SignIn } from './SignIn';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);

  const signOut = useCallback(() => {
    clearSession();
    forgetTransfers();
    setSession(null);
    navigate('/');
  }, []);
  useEffect(() => whenUnauthorized(signOut), [signOut]);

  if (!session) {
    return (
      <SignIn
        onSignedIn={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  }
  return <SignedIn key={session.token} session={session} onSignOut={signOut} />;
}

/** The page of a signed-in person: header with the bell, the route's view, and the one notification stream. */
function SignedIn({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const [live, setLive] = useState<LiveStatus>('connecting');
  const [notifications, setNotifications] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [find, setFind] = useState('');
  // Ids already counted: a replay after a reconnect may send one again.
  const seen = useRef(new Set<string>());

  const loadBell = useCallback(
    () =>
      Promise.all([api<Page<Notification>>('/v1/notifications?limit=20'), api<{ unread: number }>('/v1/notifications/unread-count')]).then(([page, count]) => {
        for (const n of page.items) seen.current.add(n.id);
        setNotifications(page.items);
        setUnread(count.unread);
        return page.items[0]?.id;
      }),
    [],
  );

  useEffect(() => {
    let stop = () => undefined as void;
    let stopped = false;
    // The stream starts after the newest notification the list has: the API replays whatever came between.
    const start = (lastId?: string) => {
      if (stopped) return;
      stop = openLiveNotifications(
        {
          notification: (n) => {
            if (seen.current.has(n.id)) return;
            seen.current.add(n.id);
            setNotifications((items) => [n, ...items].slice(0, 50));
            if (!n.readAt) setUnread((u) => u + 1);
            dispatchNotification(n);
          },
          truncated: () => {
            void loadBell().catch(() => undefined);
            dispatchReload();
          },
          status: setLive,
        },
        lastId,
      );
    };
    loadBell().then(start, () => start());
    return () => {
      stopped = true;
      stop();
    };
  }, [loadBell]);

  return (
    <>
      <header class="top">
        <a class="brand" href="/" onClick={(e) => follow(e, '/')}>
          <span class="brand-dot" aria-hidden="true" />
          darkroom
        </a>
        <nav class="nav" aria-label="Main">
          <a href="/" aria-current={route.name === 'photos' ? 'page' : undefined} onClick={(e) => follow(e, '/')}>
            Your photos
          </a>
          <a href="/feed" aria-current={route.name === 'feed' ? 'page' : undefined} onClick={(e) => follow(e, '/feed')}>
            Feed
          </a>
        </nav>
        <form
          class="find"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const handle = find.trim().replace(/^@/, '').toLowerCase();
            if (handle) navigate(`/u/${handle}`);
            setFind('');
          }}
        >
          <label for="find" class="visually-hidden">
            Find people by handle
          </label>
          <input id="find" placeholder="Find people: @handle" value={find} onInput={(e) => setFind(e.currentTarget.value)} autoCapitalize="none" spellcheck={false} />
        </form>
        <span class={`live live-${live}`} role="status" title={live === 'live' ? 'Updates arrive live' : 'Reconnecting to live updates'}>
          <span class="visually-hidden">{live === 'live' ? 'live updates on' : 'reconnecting to live updates'}</span>
        </span>
        <Bell
          items={notifications}
          unread={unread}
          onRead={(id) => {
            setNotifications((items) => items.map((n) => (n.id === id ? { ...n, readAt: new Date().toISOString() } : n)));
            setUnread((u) => Math.max(0, u - 1));
          }}
          onAllRead={() => {
            setNotifications((items) => items.map((n) => ({ ...n, readAt: n.readAt ?? new Date().toISOString() })));
            setUnread(0);
          }}
        />
        <a class="me" href={`/u/${session.handle}`} onClick={(e) => follow(e, `/u/${session.handle}`)}>
          @{session.handle}
        </a>
        <button type="button" class="button button-quiet" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {route.name === 'photos' ? (
        <PhotosPage />
      ) : route.name === 'feed' ? (
        <FeedPage />
      ) : route.name === 'profile' ? (
        <ProfilePage key={route.handle} handle={route.handle} session={session} />
      ) : (
        <main class="page">
          <div class="state state-empty">
            <p>There is no page here.</p>
            <a href="/" onClick={(e) => follow(e, '/')}>
              Back to your photos
            </a>
          </div>
        </main>
      )}
    </>
  );
}

import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { follow } from '../router';
import type { Page, Person, Profile, Session } from '../types';
import { Failed, Loading } from './states';

type Which = 'followers' | 'following';
type People = { which: Which; state: 'loading' } | { which: Which; state: 'ready'; items: Person[]; more: boolean } | { which: Which; state: 'error'; reason: string };

/** Who follows them, or whom they follow: newest follow first, as links to those profiles. */
function PeopleList({ handle, people, retry }: { handle: string; people: People; retry: () => void }) {
  const what = people.which === 'followers' ? `@${handle}'s followers` : `the people @${handle} follows`;
  if (people.state === 'loading') return <Loading what={what} />;
  if (people.state === 'error') return <Failed what={what} reason={people.reason} retry={retry} />;
  if (people.items.length === 0) return <p class="state">{people.which === 'followers' ? `Nobody follows @${handle} yet.` : `@${handle} follows nobody yet.`}</p>;
  return (
    <ul class="people" aria-label={what}>
      {people.items.map((p) => (
        <li key={p.id}>
          <a href={`/u/${p.handle}`} onClick={(e) => follow(e, `/u/${p.handle}`)}>
            @{p.handle}
          </a>
          {p.displayName ? <span class="hint"> {p.displayName}</span> : null}
        </li>
      ))}
      {people.more ? <li class="hint">and more</li> : null}
    </ul>
  );
}

type State = { state: 'loading' } | { state: 'error'; reason: string; status: number } | { state: 'ready'; profile: Profile; busy?: boolean; problem?: string };

/** Someone's profile: counts, and follow / unfollow (the API's answer is the truth; counts are read again). */
export function ProfilePage({ handle, session }: { handle: string; session: Session }) {
  const [view, setView] = useState<State>({ state: 'loading' });
  const [people, setPeople] = useState<People | null>(null);

  const showPeople = (which: Which) => {
    setPeople({ which, state: 'loading' });
    api<Page<Person>>(`/v1/users/${handle}/${which}?limit=50`).then(
      (page) => setPeople({ which, state: 'ready', items: page.items, more: page.nextCursor !== null }),
      (error: ApiError) => setPeople({ which, state: 'error', reason: error.message }),
    );
  };

  const load = useCallback(() => {
    api<Profile>(`/v1/users/${handle}`).then(
      (profile) => setView({ state: 'ready', profile }),
      (error: ApiError) => setView({ state: 'error', reason: error.message, status: error.status }),
    );
  }, [handle]);
  useEffect(() => {
    setView({ state: 'loading' });
    load();
  }, [load]);

  if (view.state === 'loading') return <main class="page"><Loading what={`@${handle}`} /></main>;
  if (view.state === 'error') {
    return (
      <main class="page">
        {view.status === 404 ? (
          <div class="state state-empty">
            <p>There is nobody called @{handle} on darkroom.</p>
          </div>
        ) : (
          <Failed what={`@${handle}`} reason={view.reason} retry={load} />
        )}
      </main>
    );
  }

  const { profile } = view;
  const mine = profile.handle === session.handle;
  const toggle = () => {
    setView({ ...view, busy: true, problem: undefined });
    const reload = () => {
      load();
      if (people) showPeople(people.which);
    };
    api(`/v1/users/${handle}/follow`, { method: profile.followedByMe ? 'DELETE' : 'PUT' }).then(reload, (error: ApiError) =>
      setView({ state: 'ready', profile, problem: error.message }),
    );
  };
  return (
    <main class="page profile">
      <header class="profile-head">
        <div class="avatar" aria-hidden="true">
          {profile.handle.slice(0, 1).toUpperCase()}
        </div>
        <div>
          <h1 class="page-title">{profile.displayName || `@${profile.handle}`}</h1>
          {profile.displayName ? <p class="profile-handle">@{profile.handle}</p> : null}
        </div>
      </header>
      <dl class="counts">
        <div>
          <dt>photos</dt>
          <dd data-count="uploads">{profile.uploads}</dd>
        </div>
        {(['followers', 'following'] as const).map((which) => (
          <div key={which}>
            <dt>
              <button type="button" class="link-button" aria-expanded={people?.which === which} onClick={() => (people?.which === which ? setPeople(null) : showPeople(which))}>
                {which}
              </button>
            </dt>
            <dd data-count={which}>{profile[which]}</dd>
          </div>
        ))}
      </dl>
      {people ? <PeopleList handle={profile.handle} people={people} retry={() => showPeople(people.which)} /> : null}
      {mine ? (
        <p>
          This is you. Your photos are under{' '}
          <a href="/" onClick={(e) => follow(e, '/')}>
            Your photos
          </a>
          ; share your handle <strong>@{profile.handle}</strong> so that people can follow you.
        </p>
      ) : (
        <>
          <button type="button" class={`button ${profile.followedByMe ? '' : 'button-primary'}`} onClick={toggle} disabled={view.busy} aria-pressed={profile.followedByMe}>
            {profile.followedByMe ? 'Unfollow' : 'Follow'}
          </button>
          {view.problem ? (
            <p class="problem" role="alert">
              {view.problem}
            </p>
          ) : null}
          <p class="hint">
            {profile.followedByMe ? `New photos of @${profile.handle} show up in your ` : `Follow @${profile.handle} to see their new photos in your `}
            <a href="/feed" onClick={(e) => follow(e, '/feed')}>
              feed
            </a>
            .
          </p>
        </>
      )}
    </main>
  );
}

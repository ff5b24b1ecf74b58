import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Session } from '../types';

/** Sign up by handle (the API shows the token once; the page keeps it), or come back with a token. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [handle, setHandle] = useState('');
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const signUp = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn(await api<Session>('/v1/users', { method: 'POST', json: { handle: handle.trim() } }));
    } catch (error) {
      setProblem(error instanceof ApiError && error.status === 409 ? `@${handle.trim()} is taken; try another handle` : (error as Error).message);
      setBusy(false);
    }
  };

  const signIn = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const response = await fetch('/v1/me', { headers: { authorization: `Bearer ${token.trim()}` } });
      if (!response.ok) throw new Error(response.status === 401 ? 'that token is not valid' : `the server answered ${response.status}`);
      const me = (await response.json()) as { id: string; handle: string };
      onSignedIn({ id: me.id, handle: me.handle, token: token.trim() });
    } catch (error) {
      setProblem((error as Error).message);
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <div class="card">
        <h1 class="brand-big">
          <span class="brand-dot" aria-hidden="true" />
          darkroom
        </h1>
        <p class="lede">Share your photos, watch them develop, and follow the people whose photos you like.</p>
        <form onSubmit={signUp} class="stack">
          <label for="handle">Pick a handle</label>
          <input
            id="handle"
            name="handle"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            pattern="[a-z0-9_]{3,30}"
            title="3 to 30 lower-case letters, digits or _"
            value={handle}
            onInput={(e) => setHandle(e.currentTarget.value)}
          />
          <p class="hint">3 to 30 lower-case letters, digits or _. This browser keeps your key; sign out forgets it.</p>
          <button type="submit" class="button button-primary" disabled={busy}>
            Sign up
          </button>
        </form>
        <details class="token-sign-in">
          <summary>I already have a token</summary>
          <form onSubmit={signIn} class="stack">
            <label for="token">Your API token</label>
            <input id="token" name="token" autoComplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
            <button type="submit" class="button" disabled={busy}>
              Sign in
            </button>
          </form>
        </details>
        {problem ? (
          <p class="problem" role="alert">
            {problem}
          </p>
        ) : null}
      </div>
    </main>
  );
}

import { useEffect, useState } from 'preact/hooks';

/** The page's routes: /, /feed, /u/<handle>. Real paths (the server answers each with the page). */
export type Route = { name: 'photos' } | { name: 'feed' } | { name: 'profile'; handle: string } | { name: 'missing' };

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { name: 'photos' };
  if (path === '/feed') return { name: 'feed' };
  const profile = /^\/u\/([a-z0-9_]{3,30})$/.exec(path);
  if (profile) return { name: 'profile', handle: profile[1]! };
  return { name: 'missing' };
}

export function navigate(path: string): void {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return parseRoute(path);
}

/** An <a> that navigates without a reload (a modified click still opens a new tab). */
export function follow(event: MouseEvent, path: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}

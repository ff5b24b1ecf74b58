import type { ComponentChildren } from 'preact';

/** The three states every list has besides its items, worded for a person. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Failed({ what, reason, retry }: { what: string; reason: string; retry: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>
        Could not load {what}: {reason}
      </p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

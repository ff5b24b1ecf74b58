import { useEffect, useRef, useState } from 'preact/hooks';
import { placeholderOf } from '../placeholder';
import { follow } from '../router';
import type { Upload } from '../types';
import { altOf, srcsetOf } from './Photo';

/**
 * One photo at a time, `large` (small on a narrow screen), over the page. ← and → step through the list,
 * Escape or the close button leaves, and focus goes back to the tile that opened it.
 */
export function Viewer({
  items,
  index,
  onIndex,
  onClose,
  onDelete,
}: {
  items: Upload[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
  /** Your own photos only: resolves once the API has deleted it, rejects with the reason. */
  onDelete?: (upload: Upload) => Promise<void>;
}) {
  const dialog = useRef<HTMLDivElement>(null);
  const item = items[index];
  // Deleting asks twice (the button turns into "Delete for good"), never through a blocking confirm().
  const [deleting, setDeleting] = useState<{ id: string; busy?: boolean; problem?: string } | null>(null);
  // The key handler reads the latest props from here: re-subscribing per step would leave the old handler
  // (and its old index) in place until effects flush, so fast repeated keys would go nowhere.
  const latest = useRef({ index, count: items.length, onIndex, onClose });
  latest.current = { index, count: items.length, onIndex, onClose };

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    document.body.classList.add('has-viewer');
    return () => {
      document.body.classList.remove('has-viewer');
      opener?.focus();
    };
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const { index: at, count, onIndex: step, onClose: close } = latest.current;
      if (event.key === 'Escape') close();
      else if (event.key === 'ArrowRight' && at < count - 1) {
        latest.current.index = at + 1; // a second press before the next render steps on from here
        step(at + 1);
      } else if (event.key === 'ArrowLeft' && at > 0) {
        latest.current.index = at - 1;
        step(at - 1);
      } else return;
      event.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  if (!item) return null;
  const large = item.thumbnails.find((t) => t.variant === 'large') ?? item.thumbnails[0];
  const placeholder = placeholderOf(item.thumbhash);
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={`Photo ${index + 1} of ${items.length}`} tabIndex={-1} ref={dialog} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <figure class="viewer-figure">
        <img
          key={item.id}
          class="viewer-image"
          src={large?.url}
          srcset={srcsetOf(item, ['small', 'large'])}
          sizes="100vw"
          alt={altOf(item)}
          width={large?.width}
          height={large?.height}
          style={placeholder ? { backgroundImage: `url(${placeholder})` } : undefined}
        />
        <figcaption>
          {item.caption ? <span class="viewer-caption">{item.caption}</span> : null}
          {item.owner ? (
            <a
              href={`/u/${item.owner.handle}`}
              onClick={(e) => {
                onClose();
                follow(e, `/u/${item.owner!.handle}`);
              }}
            >
              @{item.owner.handle}
            </a>
          ) : null}
          <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString()}</time>
          <span class="viewer-count">
            {index + 1} / {items.length}
          </span>
          {onDelete ? (
            deleting?.id === item.id ? (
              <button
                type="button"
                class="button button-danger"
                disabled={deleting.busy}
                onClick={() => {
                  setDeleting({ id: item.id, busy: true });
                  onDelete(item).then(
                    () => setDeleting(null),
                    (error: Error) => setDeleting({ id: item.id, problem: error.message }),
                  );
                }}
              >
                Delete for good
              </button>
            ) : (
              <button type="button" class="button button-quiet" onClick={() => setDeleting({ id: item.id })}>
                Delete
              </button>
            )
          ) : null}
          {deleting?.id === item.id && deleting.problem ? (
            <span class="problem" role="alert">
              {deleting.problem}
            </span>
          ) : null}
        </figcaption>
      </figure>
      <button type="button" class="viewer-nav viewer-prev" aria-label="Previous photo" disabled={index === 0} onClick={() => onIndex(index - 1)}>
        ‹
      </button>
      <button type="button" class="viewer-nav viewer-next" aria-label="Next photo" disabled={index >= items.length - 1} onClick={() => onIndex(index + 1)}>
        ›
      </button>
      <button type="button" class="viewer-close" aria-label="Close" onClick={onClose}>
        ×
      </button>
    </div>
  );
}

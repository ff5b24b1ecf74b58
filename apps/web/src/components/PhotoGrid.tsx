import { follow } from '../router';
import type { Upload } from '../types';
import { altOf, Photo } from './Photo';

// A tile is a third of a phone's width, about 220 px on a wide screen.
const TILE_SIZES = '(max-width: 640px) 34vw, 220px';

/**
 * Photos as square tiles. Done photos open the viewer (by their index among the done ones); photos still
 * developing or failed show their state instead of pixels.
 */
export function PhotoGrid({ items, onOpen, showOwner = false, label }: { items: Upload[]; onOpen: (index: number) => void; showOwner?: boolean; label: string }) {
  const done = items.filter((u) => u.status === 'done');
  return (
    <ul class="grid" aria-label={label}>
      {items.map((upload) => (
        <li key={upload.id} class={`tile tile-${upload.status}`} data-upload-id={upload.id}>
          {upload.status === 'done' ? (
            <button type="button" class="tile-open" onClick={() => onOpen(done.indexOf(upload))} aria-label={`Open ${altOf(upload)}`}>
              <Photo upload={upload} sizes={TILE_SIZES} />
            </button>
          ) : upload.status === 'failed' ? (
            <div class="tile-state" title={upload.failureReason ?? undefined}>
              <strong>Could not develop</strong>
              <span>{upload.failureReason}</span>
            </div>
          ) : (
            <div class="tile-state">
              <span class="spinner" aria-hidden="true" />
              <span>Developing…</span>
            </div>
          )}
          {showOwner && upload.owner ? (
            <a class="tile-owner" href={`/u/${upload.owner.handle}`} onClick={(e) => follow(e, `/u/${upload.owner!.handle}`)}>
              @{upload.owner.handle}
            </a>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

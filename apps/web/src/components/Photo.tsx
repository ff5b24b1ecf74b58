import { useState } from 'preact/hooks';
import { placeholderOf } from '../placeholder';
import type { Upload } from '../types';

/** srcset over every variant the worker made, by width: the browser picks what the slot and screen need. */
export function srcsetOf(upload: Upload, variants = ['thumb', 'small', 'large']): string {
  return upload.thumbnails
    .filter((t) => variants.includes(t.variant))
    .sort((a, b) => a.width - b.width)
    .map((t) => `${t.url} ${t.width}w`)
    .join(', ');
}

export function altOf(upload: Upload): string {
  return upload.caption || upload.originalName || 'photo';
}

/**
 * A developed photo in a square tile: lazy-loaded, with its ThumbHash painted underneath until the
 * pixels arrive (or a plain shimmer for photos developed before ThumbHashes existed).
 */
export function Photo({ upload, sizes }: { upload: Upload; sizes: string }) {
  const [loaded, setLoaded] = useState(false);
  const placeholder = placeholderOf(upload.thumbhash);
  const fallback = upload.thumbnails.find((t) => t.variant === 'small') ?? upload.thumbnails[0];
  return (
    <div class={`photo${loaded ? ' is-loaded' : ''}${placeholder ? '' : ' no-hash'}`} style={placeholder ? { backgroundImage: `url(${placeholder})` } : undefined}>
      <img
        src={fallback?.url}
        srcset={srcsetOf(upload)}
        sizes={sizes}
        loading="lazy"
        decoding="async"
        alt={altOf(upload)}
        width={fallback?.width}
        height={fallback?.height}
        onLoad={() => setLoaded(true)}
      />
    </div>
  );
}

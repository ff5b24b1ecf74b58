import { thumbHashToDataURL } from 'thumbhash';

const cache = new Map<string, string>();

/** The photo's ThumbHash (base64, from the API) as a tiny blurred PNG to paint while the thumbnail loads. */
export function placeholderOf(thumbhash: string | null): string | undefined {
  if (!thumbhash) return undefined;
  let url = cache.get(thumbhash);
  if (!url) {
    try {
      url = thumbHashToDataURL(Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0)));
    } catch {
      return undefined; // a malformed hash costs the placeholder, never the photo
    }
    cache.set(thumbhash, url);
  }
  return url;
}

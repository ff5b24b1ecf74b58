import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

/** ThumbHash encodes at most 100×100 pixels; more would only cost time, the hash keeps ~5×5 colours anyway. */
const MAX_SIDE = 100;

export interface RawPixels {
  data: Buffer;
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/**
 * The ThumbHash of a photo (base64, about 25 bytes decoded): the web page paints it while the thumbnail
 * loads. Takes pixels already decoded by the renderer, so the original is not read a second time.
 */
export async function thumbHashOf(pixels: RawPixels): Promise<string> {
  const { data, info } = await sharp(pixels.data, { raw: pixels.info })
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}

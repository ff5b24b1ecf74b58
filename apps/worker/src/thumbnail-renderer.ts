import { availableParallelism } from 'node:os';
import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { AppConfig } from '@darkroom/config';
import { ThumbnailVariant, thumbnailVariants } from '@darkroom/contracts';
import { thumbHashOf } from './thumbhash';

/**
 * sharp's process-wide settings for a worker developing `concurrency` photos at a time (measured by
 * `npm run bench`, README "Performance"):
 * - no libvips operation cache: each original is read once, so cached files and operations only hold
 *   memory (and file handles that DELETE removes), as sharp and imgproxy advise for servers;
 * - libvips threads per photo (VIPS_CONCURRENCY when set, libvips' own variable) = cores / photos in flight (at least 1): with the default two photos in
 *   flight on two cores, one thread each keeps both cores busy without threads contending per photo.
 */
export function configureSharp(concurrency: number, vipsThreads?: number, cores = availableParallelism()): number {
  const threads = vipsThreads ?? Math.max(1, Math.floor(cores / Math.max(1, concurrency)));
  sharp.cache(false);
  sharp.concurrency(threads);
  return threads;
}

export interface RenderedVariant {
  variant: string;
  data: Buffer;
  width: number;
  height: number;
}

export interface RenderedPhoto {
  /** Size of the original as displayed (after EXIF orientation). */
  width: number;
  height: number;
  variants: RenderedVariant[];
  /** ThumbHash (base64) of the photo: the web page's placeholder while a thumbnail loads. */
  thumbhash: string;
}

/** The file is not an image we can develop; retrying will not change that. */
export class UndecodableImageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UndecodableImageError';
  }
}

/**
 * Develops an original into webp variants with sharp: EXIF auto-orient, sRGB,
 * no metadata kept (sharp writes none unless asked), never enlarged.
 */
@Injectable()
export class ThumbnailRenderer {
  private readonly variants: ThumbnailVariant[];

  constructor(private readonly config: AppConfig) {
    this.variants = thumbnailVariants(config.images);
    // The worker makes one renderer; its settings are the process's (a spec's config may have no worker part).
    configureSharp(config.worker?.concurrency ?? 1, config.worker?.vipsThreads);
  }

  async render(path: string): Promise<RenderedPhoto> {
    // failOn 'warning' (sharp's default, stricter than Immich's 'error'): a damaged file ends
    // `failed` with a reason instead of being rendered with grey blocks.
    const options: sharp.SharpOptions = { failOn: 'warning', limitInputPixels: this.config.images.maxInputPixels };
    let decoded: { data: Buffer; info: sharp.OutputInfo };
    let width: number;
    let height: number;
    try {
      const meta = await sharp(path, options).metadata();
      // The size as displayed: sharp applies the EXIF orientation (5-8 swap width and height).
      ({ width, height } = meta.autoOrient);
      // A shrink on load makes fewer pixels than the file has, so sharp's own limit would see those: check the file's.
      if (width * height > this.config.images.maxInputPixels) throw new Error(`Input image exceeds pixel limit (${width}×${height})`);
      // Decode once (orient, sRGB, shrink just enough for every variant); all variants come from these pixels.
      const decodeTo = this.decodeSize(width, height);
      const shrink = meta.format === 'jpeg' ? jpegShrinkOnLoad(width, height, decodeTo) : 1;
      decoded = await sharp(shrink > 1 ? withLoadOption(path, `shrink=${shrink}`) : path, options)
        .rotate()
        // linear (a triangle filter as wide as the shrink), not sharp's lanczos3: after the shrink on load this reduce is
        // small (2000 to 1440 px for 12 MP), and linear does it in 10 ms less than lanczos2 for 0.1 dB less PSNR and
        // 5% smaller files, softer by a hair (README, "Performance"); each variant's own reduce stays lanczos3
        .resize(decodeTo.width, decodeTo.height, { fit: 'fill', kernel: 'linear' })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new UndecodableImageError(explain(error));
    }
    const variants = await Promise.all(this.variants.map((variant) => this.encode(decoded.data, decoded.info, variant)));
    const thumbhash = await thumbHashOf(decoded); // from the decoded pixels: the original is read once
    return { width, height, variants, thumbhash };
  }

  /**
   * The smallest size that still serves every variant: the long edge reaches the
   * largest `inside` box, and the short edge fills the largest `cover` square
   * (a 12000×1000 panorama shrunk to fit 1440 would be 120 px high, too little for
   * a 160 px square thumb). Never larger than the original.
   */
  private decodeSize(width: number, height: number): { width: number; height: number } {
    const inside = Math.max(0, ...this.variants.filter((v) => v.fit === 'inside').map((v) => v.px));
    const cover = Math.max(0, ...this.variants.filter((v) => v.fit === 'cover').map((v) => v.px));
    const scale = Math.min(1, Math.max(inside / Math.max(width, height), cover / Math.min(width, height)));
    return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  }

  private async encode(pixels: Buffer, info: sharp.OutputInfo, variant: ThumbnailVariant): Promise<RenderedVariant> {
    const { images } = this.config;
    const large = variant.name === 'large';
    const { data, info: out } = await sharp(pixels, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .resize(variant.px, variant.px, { fit: variant.fit, withoutEnlargement: true })
      // smartSubsample stays off: +16% bytes for +0.4 dB on the bench's photos, and slower
      .webp(large ? { quality: images.largeWebpQuality, effort: images.largeWebpEffort } : { quality: images.webpQuality, effort: images.webpEffort })
      .toBuffer({ resolveWithObject: true });
    return { variant: variant.name, data, width: out.width, height: out.height };
  }
}

/**
 * The largest libjpeg DCT scale (1/2, 1/4, 1/8) whose decode still covers `target` on both axes. The decode is then
 * a fraction of the work (a 12 MP photo to 1440 px: libjpeg decodes a quarter of the pixels). sharp picks this itself
 * only for shrinks from 3 up (it halves its pick when the shrink's whole part equals it, against libjpeg rounding), so
 * the 2.78 of 4000 to 1440 px got a full decode; floor() here keeps the same margin against rounding.
 */
export function jpegShrinkOnLoad(width: number, height: number, target: { width: number; height: number }): number {
  for (const factor of [8, 4, 2]) {
    if (Math.floor(width / factor) >= target.width && Math.floor(height / factor) >= target.height) return factor;
  }
  return 1;
}

/**
 * A libvips load option given the way libvips reads them, after the file name (`photo.jpg[shrink=2]`): sharp has no
 * option for libjpeg's scale. A path that already has a bracket would be misread, so it gets none.
 */
function withLoadOption(path: string, option: string): string {
  return path.includes('[') ? path : `${path}[${option}]`;
}

/**
 * libvips' messages, turned into a reason a person can act on. The decoder's
 * own words follow in brackets, without file paths (they name the server's
 * volume); several loaders put the telling line last, so all lines are read.
 */
export function explain(error: unknown): string {
  const lines = (error instanceof Error ? error.message : String(error))
    .split('\n')
    .map((line) => hidePaths(line).trim())
    .filter(Boolean);
  const find = (pattern: RegExp) => lines.find((line) => pattern.test(line));
  const truncated = find(/premature end|truncated|unexpected end|end of file|not enough data|short read|out of data/i);
  if (truncated) return `the image file is truncated or incomplete; upload it again (${truncated})`;
  const tooBig = find(/pixel limit|exceeds pixel/i);
  if (tooBig) return `the image has more pixels than this server accepts (MAX_INPUT_PIXELS) (${tooBig})`;
  const unknown = find(/unsupported image format|not a known file format|is not in a known format/i);
  if (unknown) return `the file is not an image format darkroom can read (${unknown})`;
  return `the image could not be decoded; it may be damaged (${lines.join('; ') || 'no detail'})`;
}

/** failure_reason is shown to the uploader: file paths name the server's volume, so they go. */
export function hidePaths(text: string): string {
  // An absolute path starts the text or follows a space, quote or bracket; it ends at a space, quote or colon.
  return text.replace(/(^|[\s"'(])\/[^\s"':]+/g, '$1<file>');
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import type { AppConfig } from '@darkroom/config';
import { configureSharp, explain, jpegShrinkOnLoad, ThumbnailRenderer, UndecodableImageError, type RenderedPhoto } from './thumbnail-renderer';

const IMAGES = { maxInputPixels: 100_000_000, thumbPx: 160, smallPx: 480, largePx: 1440, webpQuality: 80, webpEffort: 2, largeWebpQuality: 76, largeWebpEffort: 0 };

function rendererWith(images: Partial<typeof IMAGES> = {}): ThumbnailRenderer {
  return new ThumbnailRenderer({ images: { ...IMAGES, ...images } } as AppConfig);
}

function solid(width: number, height: number): sharp.Sharp {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });
}

function sizes(photo: RenderedPhoto): Record<string, string> {
  return Object.fromEntries(photo.variants.map((v) => [v.variant, `${v.width}x${v.height}`]));
}

async function renderError(renderer: ThumbnailRenderer, path: string): Promise<UndecodableImageError> {
  const error: unknown = await renderer.render(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UndecodableImageError)) throw new Error(`expected an UndecodableImageError, got ${String(error)}`);
  return error;
}

describe('ThumbnailRenderer', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'darkroom-renderer-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, data: Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, data);
    return path;
  }

  it('gives the ThumbHash of the oriented photo with the variants', async () => {
    const path = await file('hash.png', await solid(2000, 1000).png().toBuffer());

    const { thumbhash } = await rendererWith().render(path);

    const hash = new Uint8Array(Buffer.from(thumbhash, 'base64'));
    expect(thumbHashToAverageRGBA(hash).r).toBeCloseTo(200 / 255, 1);
    expect(thumbHashToApproximateAspectRatio(hash)).toBeCloseTo(2, 0);
  });

  it('renders a square cover thumb and fit-inside small and large webps', async () => {
    const path = await file('wide.png', await solid(2000, 1000).png().toBuffer());

    const photo = await rendererWith().render(path);

    expect(photo.width).toBe(2000);
    expect(photo.height).toBe(1000);
    expect(photo.variants.map((v) => v.variant)).toEqual(['thumb', 'small', 'large']);
    expect(sizes(photo)).toEqual({ thumb: '160x160', small: '480x240', large: '1440x720' });
    for (const v of photo.variants) {
      const meta = await sharp(v.data).metadata();
      expect(meta.format).toBe('webp');
      expect(`${meta.width}x${meta.height}`).toBe(`${v.width}x${v.height}`);
      expect(meta.exif).toBeUndefined();
    }
  });

  it('keeps the thumb square for a panorama whose short edge would fall below it at 1440 px', async () => {
    const path = await file('panorama.png', await solid(6000, 500).png().toBuffer());

    const photo = await rendererWith().render(path);

    expect(sizes(photo)).toEqual({ thumb: '160x160', small: '480x40', large: '1440x120' });
  });

  it('never enlarges: a 300x200 original gives a 300x200 large', async () => {
    const path = await file('small.jpg', await solid(300, 200).jpeg().toBuffer());

    const photo = await rendererWith().render(path);

    expect(photo.width).toBe(300);
    expect(photo.height).toBe(200);
    expect(sizes(photo)).toEqual({ thumb: '160x160', small: '300x200', large: '300x200' });
  });

  it('applies EXIF orientation 6: reports and renders the displayed (swapped) size', async () => {
    const path = await file('rotated.jpg', await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    expect((await sharp(path).metadata()).orientation).toBe(6);

    const photo = await rendererWith().render(path);

    expect(photo.width).toBe(200);
    expect(photo.height).toBe(300);
    expect(sizes(photo)).toEqual({ thumb: '160x160', small: '200x300', large: '200x300' });
  });

  it('turns the pixels upright for orientation 6: what was stored on the left is on top', async () => {
    // stored 300x200 landscape: red left half, blue right half; orientation 6 = rotate 90° clockwise to display
    const halves = await solid(150, 200)
      .extend({ right: 150, background: { r: 0, g: 0, b: 255 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const path = await file('halves.jpg', halves);

    const large = (await rendererWith().render(path)).variants.find((v) => v.variant === 'large')!;
    const { data, info } = await sharp(large.data).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];

    expect(`${info.width}x${info.height}`).toBe('200x300');
    expect(pixel(100, 40)[0]).toBeGreaterThan(150); // top: red
    expect(pixel(100, 260)[2]).toBeGreaterThan(150); // bottom: blue
    expect((await sharp(large.data).metadata()).orientation).toBeUndefined();
  });

  it('shrinks a large JPEG on load and still turns it upright (orientation 6, 3200x2400 stored)', async () => {
    // libjpeg decodes this at 1/2 (1600x1200 covers 1440x1080): the orientation must survive the scaled decode
    const halves = await solid(1600, 2400)
      .extend({ right: 1600, background: { r: 0, g: 0, b: 255 } })
      .jpeg({ quality: 90 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const path = await file('big-halves.jpg', halves);

    const photo = await rendererWith().render(path);
    const large = photo.variants.find((v) => v.variant === 'large')!;
    const { data, info } = await sharp(large.data).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];

    expect(`${photo.width}x${photo.height}`).toBe('2400x3200');
    expect(sizes(photo)).toEqual({ thumb: '160x160', small: '360x480', large: '1080x1440' });
    expect(pixel(540, 200)[0]).toBeGreaterThan(150); // top: red
    expect(pixel(540, 1240)[2]).toBeGreaterThan(150); // bottom: blue
  });

  it('refuses a large truncated JPEG as truncated, also when it is decoded at a reduced scale', async () => {
    const noisy = await sharp({
      create: { width: 3200, height: 2400, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } },
    })
      .jpeg()
      .toBuffer();
    const path = await file('big-cut.jpg', noisy.subarray(0, Math.floor(noisy.length * 0.6)));

    const error = await renderError(rendererWith(), path);

    expect(error.reason).toMatch(/truncated or incomplete/);
    expect(error.reason).not.toContain('shrink=');
  });

  it("refuses a JPEG over MAX_INPUT_PIXELS by the file's size, not by the size it is decoded at", async () => {
    const path = await file('big-limit.jpg', await solid(3200, 2400).jpeg().toBuffer());

    // 7.68 MP in the file; decoded at 1/2 it would be 1.92 MP, under this limit
    const error = await renderError(rendererWith({ maxInputPixels: 4_000_000 }), path);

    expect(error.reason).toMatch(/MAX_INPUT_PIXELS/);
  });

  it('converts a Display P3 original to sRGB and writes no profile, EXIF or XMP', async () => {
    // sRGB (200, 100, 50) stored as P3 numbers (about 187, 106, 63) with the P3 profile embedded
    const p3 = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .withIccProfile('p3')
      .withExif({ IFD0: { Copyright: 'someone', Artist: 'someone' } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await sharp(p3).metadata()).icc).toBeDefined();
    const path = await file('p3.jpg', p3);

    const photo = await rendererWith({ webpQuality: 95, largeWebpQuality: 95 }).render(path);

    for (const v of photo.variants) {
      const meta = await sharp(v.data).metadata();
      expect({ icc: meta.icc, exif: meta.exif, xmp: meta.xmp, space: meta.space }).toEqual({ icc: undefined, exif: undefined, xmp: undefined, space: 'srgb' });
      const [r, g, b] = await sharp(v.data).raw().toBuffer();
      for (const [got, want] of [[r, 200], [g, 100], [b, 50]] as const) expect(Math.abs(got! - want)).toBeLessThanOrEqual(4);
    }
  });

  it('encodes the large variant with its own quality and effort, and thumb and small with theirs', async () => {
    const grain = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const path = await file('grain.jpg', grain);
    const bytes = async (images: Partial<typeof IMAGES>) => Object.fromEntries((await rendererWith(images).render(path)).variants.map((v) => [v.variant, v.data.length]));

    const fine = await bytes({ largeWebpQuality: 90, largeWebpEffort: 4 });
    const coarse = await bytes({ largeWebpQuality: 30, largeWebpEffort: 0 });

    expect(coarse.large).toBeLessThan(fine.large! / 2);
    expect({ thumb: coarse.thumb, small: coarse.small }).toEqual({ thumb: fine.thumb, small: fine.small });
  });

  it('keeps transparency of a PNG with alpha', async () => {
    const png = await sharp({ create: { width: 64, height: 32, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const path = await file('alpha.png', png);

    const photo = await rendererWith().render(path);

    const large = photo.variants.find((v) => v.variant === 'large')!;
    expect(`${large.width}x${large.height}`).toBe('64x32');
    expect((await sharp(large.data).metadata()).hasAlpha).toBe(true);
  });

  it('refuses a truncated JPEG with a reason saying so', async () => {
    const noisy = await sharp({
      create: { width: 800, height: 600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } },
    })
      .jpeg()
      .toBuffer();
    const path = await file('cut.jpg', noisy.subarray(0, Math.floor(noisy.length * 0.6)));

    const error = await renderError(rendererWith(), path);

    expect(error.reason).toMatch(/truncated or incomplete/);
    expect(error.message).toBe(error.reason);
  });

  it('refuses a truncated PNG', async () => {
    const png = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
      .png()
      .toBuffer();
    const path = await file('cut.png', png.subarray(0, Math.floor(png.length * 0.6)));

    const error = await renderError(rendererWith(), path);

    expect(error.reason).toMatch(/damaged|truncated/);
  });

  it('refuses a truncated AVIF saying it is truncated, without naming the server path', async () => {
    // libheif's first lines are "<path>: bad seek to N"; the telling "Unexpected end of file" comes last.
    const avif = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
      .avif()
      .toBuffer();
    const path = await file('cut.avif', avif.subarray(0, Math.floor(avif.length * 0.6)));

    const error = await renderError(rendererWith(), path);

    expect(error.reason).toMatch(/^the image file is truncated or incomplete; upload it again \(.*end of file/i);
    expect(error.reason).not.toContain(dir);
    expect(error.reason).not.toContain('cut.avif');
  });

  it('refuses a file that is not an image', async () => {
    const path = await file('notes.txt', Buffer.from('these are not the pixels you are looking for'));

    const error = await renderError(rendererWith(), path);

    expect(error.reason).toMatch(/not an image format darkroom can read/);
  });

  it('refuses an image over MAX_INPUT_PIXELS', async () => {
    const path = await file('big.png', await solid(400, 300).png().toBuffer());

    const error = await renderError(rendererWith({ maxInputPixels: 100_000 }), path);

    expect(error.reason).toMatch(/MAX_INPUT_PIXELS/);
  });
});

describe('jpegShrinkOnLoad', () => {
  it.each([
    // width, height, target, factor
    [4000, 3000, { width: 1440, height: 1080 }, 2], // 2.78: sharp itself would decode all 12 MP
    [2880, 2160, { width: 1440, height: 1080 }, 2], // exactly 1/2
    [2879, 2159, { width: 1440, height: 1080 }, 1], // a pixel short of it
    [6000, 4000, { width: 1440, height: 960 }, 4],
    [12000, 9000, { width: 1440, height: 1080 }, 8],
    [1440, 1080, { width: 1440, height: 1080 }, 1],
    [6000, 500, { width: 1920, height: 160 }, 2], // the short edge decides for a panorama
  ])('%i×%i to %o: 1/%i', (width, height, target, factor) => {
    expect(jpegShrinkOnLoad(width, height, target)).toBe(factor);
  });
});

describe('configureSharp', () => {
  afterAll(() => configureSharp(1));

  it('gives each photo in flight an equal share of the cores, at least one libvips thread', () => {
    expect(configureSharp(2, undefined, 2)).toBe(1);
    expect(sharp.concurrency()).toBe(1);
    expect(configureSharp(1, undefined, 4)).toBe(4);
    expect(configureSharp(3, undefined, 8)).toBe(2);
    expect(configureSharp(8, undefined, 2)).toBe(1);
  });

  it('takes VIPS_CONCURRENCY when set, and turns the libvips cache off', () => {
    expect(configureSharp(2, 3, 2)).toBe(3);
    expect(sharp.concurrency()).toBe(3);
    expect(sharp.cache()).toMatchObject({ memory: { max: 0 }, files: { max: 0 }, items: { max: 0 } });
  });
});

describe('explain', () => {
  it.each([
    ['VipsJpeg: premature end of JPEG image', /^the image file is truncated or incomplete; upload it again \(VipsJpeg: premature end of JPEG image\)$/],
    ['Input file has corrupt header: gifload: Unexpected end of GIF source data', /truncated or incomplete/],
    ['vipspng: libpng read error', /^the image could not be decoded; it may be damaged \(vipspng: libpng read error\)$/],
    ['Input image exceeds pixel limit', /more pixels than this server accepts \(MAX_INPUT_PIXELS\)/],
    ['Input file contains unsupported image format', /not an image format darkroom can read/],
    ['VipsForeignLoad: "x" is not a known file format', /not an image format darkroom can read/],
    ['VipsJpeg: Corrupt JPEG data: bad Huffman code', /^the image could not be decoded; it may be damaged \(VipsJpeg: Corrupt JPEG data: bad Huffman code\)$/],
  ])('explains %j', (message, reason) => {
    expect(explain(new Error(message))).toMatch(reason);
  });

  it('reads every line of a libvips message: the telling one may come last', () => {
    const reason = explain(new Error('cut.avif: bad seek to 11104\nheif: Invalid input: Unexpected end of file: Extent in iloc box references data\n (2.100)'));

    expect(reason).toBe(
      'the image file is truncated or incomplete; upload it again (heif: Invalid input: Unexpected end of file: Extent in iloc box references data)',
    );
  });

  it('recognises "end of file" as truncation', () => {
    expect(explain(new Error('heif: Invalid input: End of file reached'))).toMatch(/^the image file is truncated or incomplete/);
  });

  it('takes the first telling line and ignores what follows it', () => {
    const reason = explain(new Error('  VipsJpeg: premature end of JPEG image\nvips2png: unable to write\n'));

    expect(reason).toBe('the image file is truncated or incomplete; upload it again (VipsJpeg: premature end of JPEG image)');
  });

  it('replaces file paths with <file>, in every line it keeps', () => {
    const truncated = explain(new Error('/var/lib/darkroom/originals/2025/03/7d2c8a4e: bad seek to 6644\n/var/lib/darkroom/originals/2025/03/7d2c8a4e: unexpected end of file'));
    const unknown = explain(new Error('VipsForeignLoad: "/var/lib/darkroom/originals/2025/03/7d2c8a4e" is not a known file format'));
    const damaged = explain(new Error('/srv/volume/tmp/abc.part: read error\nvips_image_get: no property'));

    expect(truncated).toBe('the image file is truncated or incomplete; upload it again (<file>: unexpected end of file)');
    expect(unknown).toMatch(/^the file is not an image format darkroom can read \(VipsForeignLoad: "<file>.* is not a known file format\)$/);
    expect(damaged).toBe('the image could not be decoded; it may be damaged (<file>: read error; vips_image_get: no property)');
    for (const reason of [truncated, unknown, damaged]) expect(reason).not.toMatch(/darkroom\/|srv|volume/);
  });

  it('says "no detail" for an empty message', () => {
    expect(explain(new Error(' \n '))).toBe('the image could not be decoded; it may be damaged (no detail)');
  });

  it('explains something that is not an Error', () => {
    expect(explain('boom')).toBe('the image could not be decoded; it may be damaged (boom)');
  });
});

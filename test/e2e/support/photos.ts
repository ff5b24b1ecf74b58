import sharp from 'sharp';

/**
 * Real image files made with sharp. The 12 MP JPEG is stored landscape with
 * EXIF orientation 6 (display rotated 90° clockwise): its top half is red and
 * its bottom half blue, so a correctly oriented rendering is blue on the
 * left and red on the right.
 */
export async function orientedJpeg12mp(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const half = (colour: string) => sharp({ create: { width, height: height / 2, channels: 3, background: colour } }).png().toBuffer();
  // Noise makes the file photo-sized (~4 MB) instead of a few kilobytes of flat colour.
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#000' } })
    .composite([
      { input: await half('#d02020'), top: 0, left: 0 },
      { input: await half('#2040d0'), top: height / 2, left: 0 },
      { input: grain, blend: 'soft-light' },
    ])
    .jpeg({ quality: 88 })
    .withExif({ IFD0: { Make: 'darkroom-e2e', Model: 'TestCam', Copyright: 'exif-marker' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** 800×600 RGBA, left half opaque green, right half fully transparent. */
export async function pngWithAlpha(): Promise<Buffer> {
  const opaque = await sharp({ create: { width: 400, height: 600, channels: 4, background: { r: 20, g: 200, b: 60, alpha: 1 } } }).png().toBuffer();
  return sharp({ create: { width: 800, height: 600, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: opaque, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

export function webp(width = 1200, height = 900, colour = '#c08030'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).webp({ quality: 90 }).toBuffer();
}

export function smallJpeg(seed: number): Promise<Buffer> {
  const colour = `#${((seed * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}`;
  return sharp({ create: { width: 640, height: 480, channels: 3, background: colour } }).jpeg().toBuffer();
}

/** A JPEG cut off at 60%: the header is intact, the scan data is not. */
export async function truncatedJpeg(): Promise<Buffer> {
  const grain = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return grain.subarray(0, Math.floor(grain.length * 0.6));
}

/** A flat-colour JPEG: tiny file, many pixels (the shape of a decompression bomb). */
export function hugeFlatJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#446688' } }).jpeg().toBuffer();
}

/** A grainy JPEG that takes the worker a moment to develop. */
export function grainyJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

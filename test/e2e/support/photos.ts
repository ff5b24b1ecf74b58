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

const SCENES = [
  { sky: ['#1d2b64', '#f8cdda'], sun: '#ffd27a', land: '#2b2d42', sunAt: [0.7, 0.55] },
  { sky: ['#0f2027', '#2c5364'], sun: '#e8f1f2', land: '#1b4332', sunAt: [0.25, 0.3] },
  { sky: ['#ff7e5f', '#feb47b'], sun: '#fff3b0', land: '#6a3e37', sunAt: [0.5, 0.62] },
  { sky: ['#355c7d', '#c06c84'], sun: '#f8b195', land: '#283618', sunAt: [0.35, 0.5] },
];

/** A photo-like JPEG (sky gradient, sun, hills, grain) made from an SVG: good to look at in screenshots. */
export async function sceneJpeg(index: number, width = 1600, height = 1200): Promise<Buffer> {
  const s = SCENES[index % SCENES.length]!;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${s.sky[0]}"/><stop offset="1" stop-color="${s.sky[1]}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <circle cx="${width * s.sunAt[0]!}" cy="${height * s.sunAt[1]!}" r="${height * 0.12}" fill="${s.sun}" opacity="0.95"/>
    <path d="M0 ${height * 0.72} Q ${width * 0.25} ${height * 0.58} ${width * 0.5} ${height * 0.7} T ${width} ${height * 0.66} V ${height} H 0 Z" fill="${s.land}"/>
    <path d="M0 ${height * 0.86} Q ${width * 0.35} ${height * 0.76} ${width * 0.7} ${height * 0.86} T ${width} ${height * 0.84} V ${height} H 0 Z" fill="#000" opacity="0.35"/>
  </svg>`;
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } }).png().toBuffer();
  return sharp(Buffer.from(svg)).composite([{ input: grain, blend: 'soft-light' }]).jpeg({ quality: 85 }).toBuffer();
}

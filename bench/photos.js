// bench/photos: the test photos the renderer rows use, generated on each run (nothing is checked in):
// 12 MP and 24 MP JPEGs stored landscape with EXIF orientation 6 (displayed portrait), a PNG and a WebP.
// Each is real detail, not flat colour: shapes and gradients drawn as SVG, with grain over them.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const sharp = require('sharp');

/** Gradients, circles, rectangles and thin lines: edges and smooth areas for the encoders to get right. */
function shapes(width, height, seed) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const colour = () => `rgb(${Math.floor(rand() * 256)},${Math.floor(rand() * 256)},${Math.floor(rand() * 256)})`;
  const parts = [
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${colour()}"/><stop offset="1" stop-color="${colour()}"/></linearGradient>`,
    `<radialGradient id="glow"><stop offset="0" stop-color="#fff" stop-opacity="0.9"/><stop offset="1" stop-color="${colour()}" stop-opacity="0"/></radialGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#sky)"/>`,
  ];
  const unit = Math.min(width, height);
  for (let i = 0; i < 40; i++) {
    const x = rand() * width, y = rand() * height, r = (0.02 + rand() * 0.15) * unit;
    parts.push(i % 3 === 0
      ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${i % 2 ? 'url(#glow)' : colour()}" fill-opacity="${0.5 + rand() / 2}"/>`
      : `<rect x="${x}" y="${y}" width="${r * 2}" height="${r * (0.5 + rand())}" fill="${colour()}" transform="rotate(${rand() * 90} ${x} ${y})" fill-opacity="${0.6 + rand() / 2.5}"/>`);
  }
  for (let i = 0; i < 120; i++) {
    parts.push(`<line x1="${rand() * width}" y1="${rand() * height}" x2="${rand() * width}" y2="${rand() * height}" stroke="${colour()}" stroke-width="${1 + rand() * 6}"/>`);
  }
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`);
}

/** Shapes with sensor-like grain over them, as an 8-bit RGB sharp pipeline. */
async function scene(width, height, seed) {
  const drawn = await sharp(shapes(width, height, seed), { limitInputPixels: false }).removeAlpha().raw().toBuffer();
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 14 } } }).raw().toBuffer();
  // grain in soft-light: detail everywhere, but the shapes stay visible (as on a real photo at ISO 800 or so)
  return sharp(drawn, { raw: { width, height, channels: 3 } }).composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }]);
}

/** Writes the photos into `dir`; returns [{ name, path, format, stored: 'WxH', displayed: 'WxH' }]. */
async function makePhotos(dir) {
  const photos = [
    { name: 'jpeg-12mp', file: 'photo-12mp.jpg', width: 4000, height: 3000, encode: (p) => p.jpeg({ quality: 90 }).withMetadata({ orientation: 6 }) },
    { name: 'jpeg-24mp', file: 'photo-24mp.jpg', width: 6000, height: 4000, encode: (p) => p.jpeg({ quality: 90 }).withMetadata({ orientation: 6 }) },
    { name: 'png-6mp', file: 'photo.png', width: 3000, height: 2000, encode: (p) => p.png({ compressionLevel: 3 }) },
    { name: 'webp-12mp', file: 'photo.webp', width: 4000, height: 3000, encode: (p) => p.webp({ quality: 90 }) },
  ];
  let seed = 7;
  for (const photo of photos) {
    photo.path = join(dir, photo.file);
    writeFileSync(photo.path, await photo.encode(await scene(photo.width, photo.height, seed++)).toBuffer());
    const rotated = photo.name.startsWith('jpeg');
    photo.displayed = rotated ? `${photo.height}x${photo.width}` : `${photo.width}x${photo.height}`;
  }
  return photos;
}

/**
 * For a bench part run on its own (`node bench/latency.js`): makes the photos, prints the rows `rowsOf(path of the
 * photo named `name`)` gives as a table, and removes the photos.
 */
function runAloneWith(name, rowsOf) {
  const { mkdtempSync, rmSync } = require('node:fs');
  const { printRows } = require('./harness');
  const dir = mkdtempSync(join(require('node:os').tmpdir(), 'darkroom-bench-photos-'));
  return printRows(makePhotos(dir).then((photos) => rowsOf(photos.find((p) => p.name === name).path))).finally(() => rmSync(dir, { recursive: true, force: true }));
}

module.exports = { makePhotos, runAloneWith };

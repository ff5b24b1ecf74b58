// bench/quality: PSNR of a rendered variant against an uncompressed resize of the same pixels: the original
// decoded in full (no shrink-on-load), EXIF-oriented and sRGB, resized with lanczos3 to the variant's exact
// output size (a cover variant cropped from the centre, as every row here crops), compared in 8-bit RGB.
'use strict';
const sharp = require('sharp');

const full = new Map();
const references = new Map();

/** The whole original, oriented and sRGB, as raw RGB (decoded once per photo). */
async function fullDecode(path) {
  if (!full.has(path)) {
    full.set(path, sharp(path, { limitInputPixels: false }).rotate().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true }));
  }
  return full.get(path);
}

async function reference(path, fit, width, height) {
  const key = `${path}|${fit}|${width}x${height}`;
  if (!references.has(key)) {
    references.set(
      key,
      fullDecode(path).then(({ data, info }) =>
        sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
          .resize(width, height, { fit: fit === 'cover' ? 'cover' : 'fill', kernel: 'lanczos3' })
          .raw()
          .toBuffer(),
      ),
    );
  }
  return references.get(key);
}

/** PSNR in dB of an encoded variant (any format sharp reads) against the reference of its own size. */
async function psnr(path, fit, encoded) {
  const { data, info } = await sharp(encoded).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const ref = await reference(path, fit, info.width, info.height);
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const d = data[i] - ref[i];
    sum += d * d;
  }
  const mse = sum / data.length;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

function forget() {
  full.clear();
  references.clear();
}

module.exports = { psnr, forget };

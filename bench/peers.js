// bench/peers: the ways of making the three variants that the renderer rows compare, each run in a child
// process of its own (bench/renderer.js) so that sharp's global settings (libvips threads, cache) and the
// allocator's environment are each row's own. Every way writes the same three variants: thumb 160 cover,
// small 480 inside, large 1440 inside, WebP quality 80, EXIF-oriented, sRGB, no metadata.
'use strict';
const { execFile } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { promisify } = require('node:util');

const run = promisify(execFile);
const VARIANTS = [
  { name: 'thumb', px: 160, fit: 'cover' },
  { name: 'small', px: 480, fit: 'inside' },
  { name: 'large', px: 1440, fit: 'inside' },
];
const CORES = availableParallelism();

/** ImageMagick: `magick` (7) or Debian's /usr/bin/convert (6); not /usr/local/bin/convert, which may be a stand-in. */
function imageMagick() {
  for (const bin of ['/usr/bin/magick', '/usr/local/bin/magick', '/usr/bin/convert']) if (existsSync(bin)) return bin;
  return null;
}
const vipsthumbnail = () => ['/usr/bin/vipsthumbnail', '/usr/local/bin/vipsthumbnail'].find((bin) => existsSync(bin)) ?? null;

/** What a row writes: [{ variant, data }]. `out` is a directory of its own for the command-line peers. */
const ways = {
  // the real ThumbnailRenderer from dist/, with the sharp settings the worker gives it at its default concurrency
  ours: {
    describe: 'ThumbnailRenderer from dist/, with the settings the worker applies (WORKER_CONCURRENCY default)',
    env: () => ({ MALLOC_ARENA_MAX: dockerfileEnv('MALLOC_ARENA_MAX') }),
    setup() {
      const { ThumbnailRenderer } = require('../dist/apps/worker/src/thumbnail-renderer');
      const renderer = new ThumbnailRenderer(workerConfig());
      return async (path) => (await renderer.render(path)).variants;
    },
  },
  // an obvious implementation: one whole pipeline per variant, sharp's defaults
  naive: {
    describe: 'three independent sharp pipelines from the file, sharp defaults, effort 4',
    setup() {
      const sharp = require('sharp');
      return (path) =>
        Promise.all(
          VARIANTS.map(async (v) => ({
            variant: v.name,
            data: await sharp(path).rotate().resize(v.px, v.px, { fit: v.fit, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
          })),
        );
    },
  },
  // Immich's media repository: decode once (fit outside the largest size) to raw, every variant from it,
  // WebP effort 4, sharp.concurrency on all cores, no file cache
  immich: {
    describe: 'Immich: decode once to raw (fit outside 1440), variants from it in parallel, effort 4, libvips threads = cores',
    setup() {
      const sharp = require('sharp');
      sharp.concurrency(CORES);
      sharp.cache({ files: 0 });
      return async (path) => {
        const { data, info } = await sharp(path, { failOn: 'error' })
          .rotate()
          .resize(1440, 1440, { fit: 'outside', withoutEnlargement: true })
          .toColourspace('srgb')
          .raw()
          .toBuffer({ resolveWithObject: true });
        const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
        return Promise.all(
          VARIANTS.map(async (v) => ({
            variant: v.name,
            data: await sharp(data, raw).resize(v.px, v.px, { fit: v.fit, withoutEnlargement: true }).webp({ quality: 80, effort: 4 }).toBuffer(),
          })),
        );
      };
    },
  },
  // ImageMagick, one command writing all three, each from the one before (-thumbnail strips metadata);
  // JPEGs get -define jpeg:size (libjpeg's DCT scaling, ImageMagick's own shrink-on-load), as its docs advise
  imagemagick: {
    describe: 'ImageMagick, one command: -auto-orient, -thumbnail 1440 -> 480 -> 160^ + centre extent, -quality 80, webp:method=4',
    missing: () => (imageMagick() ? null : 'ImageMagick not found (apt-get install imagemagick)'),
    setup() {
      const bin = imageMagick();
      return async (path, out) => {
        const input = /\.jpe?g$/i.test(path) ? ['-define', 'jpeg:size=2880x2880', path] : [path];
        const file = (name) => join(out, `${name}.webp`);
        await run(bin, [
          ...input,
          '-auto-orient', '-colorspace', 'sRGB', '-quality', '80', '-define', 'webp:method=4',
          '-thumbnail', '1440x1440>', '-write', file('large'),
          '-thumbnail', '480x480>', '-write', file('small'),
          '-thumbnail', '160x160^', '-gravity', 'center', '-extent', '160x160', file('thumb'),
        ]);
        return VARIANTS.map((v) => ({ variant: v.name, data: readFileSync(file(v.name)) }));
      };
    },
  },
  // libvips' own command-line thumbnailer: one size per invocation, so three invocations per photo, one after another
  vipsthumbnail: {
    describe: "libvips' vipsthumbnail, three invocations per photo (one per size; each shrinks on load), Q=80, strip",
    missing: () => (vipsthumbnail() ? null : 'vipsthumbnail not found (apt-get install libvips-tools)'),
    setup() {
      const bin = vipsthumbnail();
      return async (path, out) => {
        const result = [];
        for (const v of VARIANTS) {
          const file = join(out, `${v.name}.webp`);
          const crop = v.fit === 'cover' ? [`--size=${v.px}x${v.px}`, '--smartcrop=centre'] : [`--size=${v.px}x${v.px}>`];
          await run(bin, [path, ...crop, '-o', `${file}[Q=80,strip]`]);
          result.push({ variant: v.name, data: readFileSync(file) });
        }
        return result;
      };
    },
  },
  // the ceiling: the shrink-on-load decode alone (libjpeg's 1/2 scale, which still covers 1440 px; libvips' load option,
  // as ours gives it), orient, sRGB, raw: no reduce, no encode
  ceiling: {
    describe: 'the shrink-on-load decode alone: libjpeg 1/2 (photo.jpg[shrink=2]), orient, sRGB, raw, one libvips thread per photo',
    quality: false,
    setup() {
      const sharp = require('sharp');
      sharp.concurrency(1);
      sharp.cache(false);
      return async (path) => {
        await sharp(`${path}[shrink=2]`).rotate().toColourspace('srgb').raw().toBuffer();
        return [];
      };
    },
  },
};

/**
 * The config the worker would load from this environment (its defaults, unless a variable is set, which is how
 * BENCH_RENDER_TRY compares settings), for the parts the renderer reads.
 */
function workerConfig(env = process.env) {
  const { envSchema } = require('../dist/libs/config/src/env.schema');
  const read = (name) => envSchema.shape[name].parse(env[name]);
  return {
    images: { maxInputPixels: read('MAX_INPUT_PIXELS'), thumbPx: read('THUMB_PX'), smallPx: read('SMALL_PX'), largePx: read('LARGE_PX'), webpQuality: read('WEBP_QUALITY'), webpEffort: read('WEBP_EFFORT'), largeWebpQuality: read('LARGE_WEBP_QUALITY'), largeWebpEffort: read('LARGE_WEBP_EFFORT') },
    worker: { concurrency: read('WORKER_CONCURRENCY'), vipsThreads: read('VIPS_CONCURRENCY') },
  };
}

/** A variable the runtime image sets for every app (`ENV NAME=value` in the Dockerfile), so the bench runs ours as deployed. */
function dockerfileEnv(name) {
  const match = new RegExp(`\\b${name}=(\\S+)`).exec(readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8'));
  return match?.[1];
}

module.exports = { ways, VARIANTS, CORES, dockerfileEnv, workerConfig };

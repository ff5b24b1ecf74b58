import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import { thumbHashOf } from './thumbhash';

async function raw(width: number, height: number, background: string, channels: 3 | 4 = 3) {
  const image = sharp({ create: { width, height, channels, background } });
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { data, info: { width: info.width, height: info.height, channels: info.channels } };
}

const decode = (hash: string) => new Uint8Array(Buffer.from(hash, 'base64'));

describe('thumbHashOf', () => {
  it('encodes the average colour and the aspect ratio of the pixels, as base64', async () => {
    const hash = await thumbHashOf(await raw(1440, 720, '#c03020'));

    expect(hash).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decode(hash).length).toBeLessThanOrEqual(25);
    const average = thumbHashToAverageRGBA(decode(hash));
    expect(average.r).toBeCloseTo(0xc0 / 255, 1);
    expect(average.g).toBeCloseTo(0x30 / 255, 1);
    expect(average.b).toBeCloseTo(0x20 / 255, 1);
    expect(average.a).toBeCloseTo(1, 2);
    expect(thumbHashToApproximateAspectRatio(decode(hash))).toBeCloseTo(2, 0);
  });

  it('tells photos apart, keeps a portrait tall and takes pixels with alpha or smaller than 100 px', async () => {
    const [red, blue, tall, tiny] = await Promise.all([
      thumbHashOf(await raw(300, 200, '#c03020')),
      thumbHashOf(await raw(300, 200, '#2030c0')),
      thumbHashOf(await raw(200, 400, '#30a050', 4)),
      thumbHashOf(await raw(8, 8, '#ffffff')),
    ]);
    expect(red).not.toBe(blue);
    expect(thumbHashToApproximateAspectRatio(decode(tall))).toBeLessThan(1);
    expect(thumbHashToAverageRGBA(decode(tiny)).r).toBeCloseTo(1, 1);
  });
});

import { Readable } from 'node:stream';
import { AUTH, bodyOf, CALLER, type SpecApp, startSpecApp } from '../http/http-spec-app.spec-support';
import { UrlSigner } from '../auth/url-signer';
import { MediaController } from './media.controller';
import { MediaFile, MediaService } from './media.service';

const ID = '3d2c1b0a-9f8e-4d7c-a6b5-4c3d2e1f0a9b';
const THUMB = `/v1/uploads/${ID}/thumbnails/small`;
const ORIGINAL = `/v1/uploads/${ID}/original`;
const BYTES = Buffer.from('RIFF....WEBPVP8 not really a webp');

function file(): MediaFile {
  return { stream: Readable.from([BYTES]), bytes: BYTES.length, modifiedAt: new Date(0), key: `thumbnails/${ID}/small.webp`, mime: 'image/webp', etag: '"etag-1"' };
}

describe('MediaController over HTTP', () => {
  const media = { thumbnail: jest.fn(), original: jest.fn() };
  let spec: SpecApp;
  let signer: UrlSigner;

  beforeAll(async () => {
    spec = await startSpecApp({ controllers: [MediaController], providers: [{ provide: MediaService, useValue: media }] });
    signer = spec.app.get(UrlSigner);
  });
  afterAll(() => spec.close());
  beforeEach(() => {
    jest.resetAllMocks();
    media.thumbnail.mockImplementation(async () => file());
    media.original.mockImplementation(async () => file());
  });

  it('streams a thumbnail to a bearer caller with type, length, ETag and cache headers', async () => {
    const response = await spec.request(THUMB, { headers: AUTH });

    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(BYTES);
    expect(Object.fromEntries(['content-type', 'content-length', 'etag', 'cache-control', 'x-content-type-options'].map((h) => [h, response.headers.get(h)]))).toEqual({
      'content-type': 'image/webp',
      'content-length': String(BYTES.length),
      etag: '"etag-1"',
      'cache-control': 'private, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
    expect(media.thumbnail).toHaveBeenCalledWith(ID, 'small', { userId: CALLER.id });
  });

  it('answers 304 with no body when If-None-Match matches', async () => {
    const response = await spec.request(THUMB, { headers: { ...AUTH, 'if-none-match': '"etag-1"' } });

    expect(response.status).toBe(304);
    expect(await response.text()).toBe('');
  });

  it.each([THUMB, ORIGINAL])('serves %s to the holder of a signed URL for it, as a signed-URL viewer', async (path) => {
    const response = await spec.request(signer.sign(path));

    expect(response.status).toBe(200);
    const call = path === THUMB ? media.thumbnail : media.original;
    expect(call.mock.calls[0].at(-1)).toEqual({ signedUrl: true });
  });

  const INVALID = 'the signed URL is invalid or has expired; fetch the upload again for a fresh one';
  it.each<[string, (signer: UrlSigner) => string, string]>([
    ['no credential', () => THUMB, 'send Authorization: Bearer <token> (POST /v1/users returns one)'],
    ["another path's signature", (signer) => ORIGINAL + signer.sign(THUMB).slice(THUMB.length), INVALID],
    ['an expired signature', (signer) => signer.sign(THUMB, Date.now() - 2 * 3600_000), INVALID],
    ['a forged signature', () => `${THUMB}?exp=9999999999&sig=forged`, INVALID],
  ])('answers %s with 401 and never asks the service', async (_case, url, message) => {
    const response = await spec.request(url(signer));

    expect(response.status).toBe(401);
    expect(await bodyOf(response)).toEqual({ statusCode: 401, error: 'Unauthorized', message });
    expect(media.thumbnail).not.toHaveBeenCalled();
    expect(media.original).not.toHaveBeenCalled();
  });

  it.each([`/v1/uploads/not-an-id/thumbnails/small`, `/v1/uploads/not-an-id/original`])('answers %s with 400', async (path) => {
    const response = await spec.request(path, { headers: AUTH });

    expect(response.status).toBe(400);
    expect(await bodyOf(response)).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Validation failed (uuid v 4 is expected)' });
  });
});

describe('MediaController behind nginx (ACCEL_REDIRECT_PREFIX)', () => {
  const media = { thumbnail: jest.fn(), original: jest.fn() };
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp({ controllers: [MediaController], providers: [{ provide: MediaService, useValue: media }] }, { ACCEL_REDIRECT_PREFIX: '/_media' });
  });
  afterAll(() => spec.close());

  it('hands a thumbnail to nginx with X-Accel-Redirect and sends no bytes itself', async () => {
    const handed = file();
    media.thumbnail.mockResolvedValue(handed);

    const response = await spec.request(THUMB, { headers: AUTH });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-accel-redirect')).toBe(`/_media/thumbnails/${ID}/small.webp`);
    expect(response.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(await response.text()).toBe('');
    expect(handed.stream.destroyed).toBe(true);
  });
});

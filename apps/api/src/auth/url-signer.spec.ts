import type { AppConfig } from '@darkroom/config';
import { UrlSigner } from './url-signer';

const NOW = Date.UTC(2025, 2, 14, 12, 0, 0, 250);
const PATH = '/v1/uploads/7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f/original';

function signerWith(secret: string, ttl = 60): UrlSigner {
  return new UrlSigner({ api: { urlSigningSecret: secret, signedUrlTtlSeconds: ttl } } as AppConfig);
}

function parts(signed: string): { path: string; exp: string; sig: string } {
  const [path, query] = signed.split('?');
  const params = new URLSearchParams(query);
  return { path: path!, exp: params.get('exp')!, sig: params.get('sig')! };
}

describe('UrlSigner', () => {
  const signer = signerWith('a-test-secret-of-enough-length');

  it('signs a path with an expiry ttl seconds ahead and verifies it', () => {
    const { path, exp, sig } = parts(signer.sign(PATH, NOW));

    expect(path).toBe(PATH);
    expect(Number(exp)).toBe(Math.floor(NOW / 1000) + 60);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(PATH, exp, sig, NOW)).toBe(true);
  });

  it('still verifies at the expiry second and not after it', () => {
    const { exp, sig } = parts(signer.sign(PATH, NOW));

    expect(signer.verify(PATH, exp, sig, Number(exp) * 1000)).toBe(true);
    expect(signer.verify(PATH, exp, sig, Number(exp) * 1000 + 1)).toBe(false);
    expect(signer.verify(PATH, exp, sig, NOW + 61_000)).toBe(false);
  });

  it('refuses the signature for another path', () => {
    const { exp, sig } = parts(signer.sign(PATH, NOW));

    expect(signer.verify('/v1/uploads/7d2c8a4e-1f3b-4c5d-9e6f-0a1b2c3d4e5f/thumbnails/large', exp, sig, NOW)).toBe(false);
    expect(signer.verify(`${PATH}/`, exp, sig, NOW)).toBe(false);
  });

  it('refuses a modified expiry or signature', () => {
    const { exp, sig } = parts(signer.sign(PATH, NOW));
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);

    expect(signer.verify(PATH, String(Number(exp) + 3600), sig, NOW)).toBe(false);
    expect(signer.verify(PATH, exp, flipped, NOW)).toBe(false);
    expect(signer.verify(PATH, exp, sig.slice(0, -1), NOW)).toBe(false);
    expect(signer.verify(PATH, exp, `${sig}A`, NOW)).toBe(false);
    expect(signer.verify(PATH, exp, '', NOW)).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    const { exp, sig } = parts(signerWith('another-secret-of-enough-length').sign(PATH, NOW));

    expect(signer.verify(PATH, exp, sig, NOW)).toBe(false);
  });

  it.each([
    ['missing exp', undefined, 'sig'],
    ['missing sig', '1', undefined],
    ['exp as an array', ['1741953660'], 'sig'],
    ['sig as an array', '1741953660', ['sig']],
    ['exp as a number', 1741953660, 'sig'],
    ['a negative exp', '-1', 'sig'],
    ['a fractional exp', '1741953660.5', 'sig'],
    ['an exp in scientific notation', '1e12', 'sig'],
    ['an over-long exp', '9999999999999', 'sig'],
  ])('refuses %s without throwing', (_label, exp, sig) => {
    expect(signer.verify(PATH, exp, sig, NOW)).toBe(false);
  });

  it('refuses non-string query values even when they carry a valid signature', () => {
    const { exp, sig } = parts(signer.sign(PATH, NOW));

    expect(signer.verify(PATH, [exp], sig, NOW)).toBe(false);
    expect(signer.verify(PATH, exp, [sig], NOW)).toBe(false);
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';

/** Expiring links: HMAC-SHA256 over "<path>\n<exp>" with URL_SIGNING_SECRET. */
@Injectable()
export class UrlSigner {
  constructor(private readonly config: AppConfig) {}

  sign(path: string, now = Date.now()): string {
    const exp = Math.floor(now / 1000) + this.config.api.signedUrlTtlSeconds;
    return `${path}?exp=${exp}&sig=${this.signature(path, exp)}`;
  }

  verify(path: string, exp: unknown, sig: unknown, now = Date.now()): boolean {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp)) return false;
    if (Number(exp) * 1000 < now) return false;
    const expected = Buffer.from(this.signature(path, Number(exp)));
    const given = Buffer.from(sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private signature(path: string, exp: number): string {
    return createHmac('sha256', this.config.api.urlSigningSecret).update(`${path}\n${exp}`).digest('base64url');
  }
}

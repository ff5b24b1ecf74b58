import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits: a fast hash is enough to store it (no dictionary to attack, unlike a password). */
export function newApiToken(): string {
  return `drk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token of an e-mail's unsubscribe link, between the notifier (which writes the link) and the api (which
 * honours it): HMAC-SHA256 of the user id under URL_SIGNING_SECRET. It does not expire: an unsubscribe link in
 * an old e-mail must still work (RFC 8058 asks for that), and all it can do is turn e-mail off.
 */
export function unsubscribeToken(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe\n${userId}`).digest('base64url');
}

export function isUnsubscribeToken(secret: string, userId: string, token: string): boolean {
  const expected = Buffer.from(unsubscribeToken(secret, userId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The link: GET shows a page saying it is done, POST is the one-click unsubscribe of List-Unsubscribe-Post. */
export function unsubscribeUrl(publicUrl: string, secret: string, userId: string): string {
  return `${publicUrl}/v1/email/unsubscribe?user=${userId}&token=${unsubscribeToken(secret, userId)}`;
}

import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signedHeaders } from './webhook-signer';

describe('signedHeaders', () => {
  const body = JSON.stringify({ type: 'upload.processed', data: { uploadId: 'u1' } });

  it('signs so that the standardwebhooks package verifies it', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret], 'msg_1', new Date(), body);

    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fails verification for another secret, another body or another id', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret], 'msg_1', new Date(), body);

    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('u1', 'u2'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow();
  });

  it('carries one signature per secret during a rotation: a receiver with either verifies', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders([current, previous], 'msg_1', new Date(), body);

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it('gives the timestamp in whole seconds, which receivers check against their clock', () => {
    const headers = signedHeaders([newWebhookSecret()], 'msg_1', new Date('2026-12-03T08:00:00.750Z'), body);

    expect(headers['webhook-timestamp']).toBe(String(Date.parse('2026-12-03T08:00:00Z') / 1000));
  });

  it('makes secrets of 24 random bytes that differ every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, newWebhookSecret));

    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { AppConfig } from '@darkroom/config';
import { pinoOptions, redactUrl } from './logging.module';

describe('log redaction', () => {
  it.each([
    ['/media/thumbnails/u1/thumb.webp?exp=1700000000&sig=c2VjcmV0', '/media/thumbnails/u1/thumb.webp?exp=1700000000&sig=[redacted]'],
    ['/v1/notifications/stream?ticket=abc.def', '/v1/notifications/stream?ticket=[redacted]'],
    ['/x?token=t1&sig=s1&ticket=k1&ok=1', '/x?token=[redacted]&sig=[redacted]&ticket=[redacted]&ok=1'],
    ['/x?SIG=upper#frag', '/x?SIG=[redacted]#frag'],
    ['/x?signature=kept&nosig=kept', '/x?signature=kept&nosig=kept'],
    ['/v1/uploads/42', '/v1/uploads/42'],
  ])('%s is logged as %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it('keeps the Authorization header, cookies, tokens and passwords out of a log line', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const config = { log: { level: 'info' }, instance: 'spec' } as AppConfig;
    const logger = pino(pinoOptions(config, 'spec'), sink);

    logger.info({ req: { headers: { authorization: 'Bearer drk_secret1', cookie: 'a=secret2' } }, token: 'secret3', user: { token: 'secret4', password: 'secret5' } }, 'hello');

    const line = lines.join('');
    for (const secret of ['secret1', 'secret2', 'secret3', 'secret4', 'secret5']) expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({ msg: 'hello', token: '[redacted]', user: { token: '[redacted]', password: '[redacted]' } });
  });
});

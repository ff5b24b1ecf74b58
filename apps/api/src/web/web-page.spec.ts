import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { isPageRequest, serveWebPage } from './web-page';

@Controller('v1')
class PingController {
  @Get('ping')
  ping() {
    return { pong: true };
  }
}

describe('isPageRequest', () => {
  it.each([
    ['GET', '/feed', 'text/html,application/xhtml+xml', true],
    ['HEAD', '/u/ada', 'text/html', true],
    ['GET', '/feed', '*/*', false],
    ['GET', '/feed', undefined, false],
    ['POST', '/feed', 'text/html', false],
    ['GET', '/v1/nope', 'text/html', false],
    ['GET', '/docs', 'text/html', false],
    ['GET', '/health/live', 'text/html', false],
    ['GET', '/metrics', 'text/html', false],
    ['GET', '/v1x', 'text/html', true],
  ])('%s %s (Accept %s) → %s', (method, path, accept, expected) => {
    expect(isPageRequest(method, path, accept)).toBe(expected);
  });
});

describe('serveWebPage', () => {
  let dir: string;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'darkroom-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<div id="app"></div>');
    writeFileSync(join(dir, 'assets', 'main-abc123.js'), 'console.log(1)');
    const moduleRef = await Test.createTestingModule({ controllers: [PingController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    expect(serveWebPage(app, dir)).toBe(true);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for page paths that ask for HTML, never cached', async () => {
    for (const path of ['/', '/feed', '/u/ada']) {
      const response = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
      expect({ path, status: response.status, body: await response.text(), cache: response.headers.get('cache-control') }).toEqual({
        path,
        status: 200,
        body: '<div id="app"></div>',
        cache: 'no-cache',
      });
    }
  });

  it('serves hashed assets with a long cache life', async () => {
    const response = await fetch(`${base}/assets/main-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-type')).toMatch(/javascript/);
  });

  it('leaves the API alone: its routes answer, and its unknown paths stay 404 even for a browser', async () => {
    expect(await (await fetch(`${base}/v1/ping`, { headers: { accept: 'text/html' } })).json()).toEqual({ pong: true });
    expect((await fetch(`${base}/v1/nope`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await fetch(`${base}/feed`)).status).toBe(404); // a script's fetch of a non-page
    expect((await fetch(`${base}/assets/gone.js`)).status).toBe(404);
  });

  it('serves nothing without a build', () => {
    expect(serveWebPage(app, join(dir, 'missing'))).toBe(false);
  });
});

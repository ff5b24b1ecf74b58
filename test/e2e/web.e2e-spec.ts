import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { bearer, eventually } from './support/api-client';
import { ROOT, stopApp } from './support/app-process';
import { launchChromium, markPage, openPage, until, type WatchedPage } from './support/browser';
import { readState } from './support/e2e-env';
import { sceneJpeg } from './support/photos';
import { PrivateStack } from './support/private-stack';

/**
 * The web page (apps/web), in Debian's Chromium driven by playwright-core, against the apps global-setup
 * started: the api serves the built page at / (WEB_DIST_DIR's default, dist/web). Every wait is on a
 * condition in the page; the page is never reloaded where the text says "without a reload".
 */
const state = readState();
const DOCS = join(ROOT, 'docs');

let browser: Browser;
let work: string;
let alice: WatchedPage;
let aliceHandle: string;

// `web` in every handle: the other suites sign up alice, bob … with the same run id
const handleFor = (name: string) => `web${name}_${state.runId}`.slice(0, 30);
const tokenOf = (page: Page) => page.evaluate(() => (JSON.parse(localStorage.getItem('darkroom.session') ?? '{}') as { token?: string }).token ?? '');
const loadedPhotos = (page: Page, grid: string) =>
  page.evaluate((selector) => [...document.querySelectorAll<HTMLImageElement>(`${selector} .photo.is-loaded img`)].filter((img) => img.complete && img.naturalWidth > 0).length, grid);

async function signUp(watched: WatchedPage, handle: string): Promise<void> {
  const { page } = watched;
  await page.goto('/');
  await page.getByLabel('Pick a handle').fill(handle);
  await page.getByRole('button', { name: 'Sign up' }).click();
  // signed up, or the page's own account of why not (which then fails the test with its words)
  await page.locator('h1.page-title, .sign-in .problem').first().waitFor();
  const problem = page.locator('.sign-in .problem');
  if (await problem.count()) throw new Error(`sign-up of ${handle} failed: ${await problem.textContent()}`);
  await page.getByRole('heading', { name: 'Your photos' }).waitFor();
  await page.getByText('No photos yet.').waitFor(); // the empty state, not a blank page
}

async function photoFiles(count: number, first = 0): Promise<string[]> {
  const paths: string[] = [];
  for (let i = first; i < first + count; i++) {
    const path = join(work, `scene-${i + 1}.jpg`);
    writeFileSync(path, await sceneJpeg(i));
    paths.push(path);
  }
  return paths;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'darkroom-web-'));
  browser = await launchChromium();
  alice = await openPage(browser, state.apiUrl);
  aliceHandle = handleFor('alice');
});

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the web page, in Chromium', () => {
  it('is served by the api at /, and any page path falls back to it while the API keeps its 404s', async () => {
    const page = await fetch(`${state.apiUrl}/u/somebody`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
    expect(script).toMatch(/^\/assets\/index-[\w-]+\.js$/);
    const asset = await fetch(`${state.apiUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${state.apiUrl}/v1/nope`, { headers: { accept: 'text/html' } })).status).toBe(404);
  });

  it('signs up, uploads three photos through the file input with a progress bar each, and shows three thumbnails without a reload', async () => {
    const { page } = alice;
    await signUp(alice, aliceHandle);
    const unreloaded = await markPage(page);

    await page.locator('input[type=file]').setInputFiles(await photoFiles(3));

    const rows = page.locator('.transfers .transfer');
    await rows.nth(2).waitFor();
    expect(await rows.count()).toBe(3);
    expect(await page.locator('.transfers progress').count()).toBe(3);
    // each bar is the file's own: its max is the file's size, and it ends full once the bytes are up
    await until(page, () => [...document.querySelectorAll<HTMLProgressElement>('.transfers progress')].every((p) => p.max > 1000 && p.value === p.max), null);
    // then the worker's verdict arrives over the stream: done, and three developed photos in the gallery
    await until(page, () => [...document.querySelectorAll('.transfers .transfer')].every((row) => row.getAttribute('data-state') === 'done'), null);
    await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 3, null);
    expect(await loadedPhotos(page, '.grid')).toBe(3);
    expect(await unreloaded()).toBe(true);

    // srcset over the three variants, lazy, painted with the photo's ThumbHash until it loads
    const img = page.locator('.grid img').first();
    expect(await img.getAttribute('loading')).toBe('lazy');
    expect((await img.getAttribute('srcset'))!.split(', ').map((c) => c.split(' ')[1])).toEqual(['160w', '480w', '1440w']);
    expect(await page.locator('.grid .photo').first().evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^url\("data:image\/png;base64,/);
    const listed = await fetch(`${state.apiUrl}/v1/uploads`, { headers: bearer(await tokenOf(page)) });
    const uploads = ((await listed.json()) as { items: Array<{ thumbhash: string | null }> }).items;
    expect(uploads).toHaveLength(3);
    for (const u of uploads) expect(u.thumbhash).toMatch(/^[A-Za-z0-9+/]{20,}={0,2}$/);

    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, 'gallery-desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await until(page, () => [...document.querySelectorAll<HTMLImageElement>('.grid img')].every((i) => i.complete && i.naturalWidth > 0), null);
    await page.screenshot({ path: join(DOCS, 'gallery-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(alice.errors).toEqual([]);
  });

  it('opens a photo large in a viewer that the keyboard steps through and closes', async () => {
    const { page } = alice;
    await page.locator('.grid .tile-open').first().click();
    const viewer = page.getByRole('dialog');
    await viewer.waitFor();
    expect(await viewer.getAttribute('aria-label')).toBe('Photo 1 of 3');
    const large = page.locator('.viewer-image');
    expect(await large.getAttribute('src')).toMatch(/\/thumbnails\/large\?/);
    await until(page, () => (document.querySelector<HTMLImageElement>('.viewer-image')?.naturalWidth ?? 0) > 0, null);

    await page.keyboard.press('ArrowRight');
    await until(page, () => document.querySelector('[role=dialog]')?.getAttribute('aria-label') === 'Photo 2 of 3', null);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight'); // already the last: stays
    await until(page, () => document.querySelector('[role=dialog]')?.getAttribute('aria-label') === 'Photo 3 of 3', null);
    await page.keyboard.press('ArrowLeft');
    await until(page, () => document.querySelector('[role=dialog]')?.getAttribute('aria-label') === 'Photo 2 of 3', null);
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    // focus is back on the tile that opened it, so the keyboard carries on from there
    expect(await page.evaluate(() => document.activeElement?.classList.contains('tile-open'))).toBe(true);
  });

  it('says next to an undecodable file why the API refused it, and keeps uploading the others', async () => {
    const { page } = alice;
    const [good] = await photoFiles(1, 3);
    const words = join(work, 'x.jpg'); // a .jpg by name only: the API judges by content
    writeFileSync(words, 'these are only words, not a photo\n');
    await page.locator('input[type=file]').setInputFiles([words, good!]);

    const refused = page.locator('.transfer', { hasText: 'x.jpg' });
    await refused.locator('.transfer-reason').waitFor();
    expect(await refused.getAttribute('data-state')).toBe('rejected');
    expect(await refused.locator('.transfer-state').textContent()).toBe(
      'not accepted: "x.jpg" is not a supported image (by its content, whatever its name or type says); send JPEG, PNG, WebP, GIF, TIFF or AVIF',
    );
    await until(page, () => document.querySelector('.transfer:last-child')?.getAttribute('data-state') === 'done', null);
    await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 4, null);
    expect(alice.errors).toEqual([]);
  });

  it('says next to a file over MAX_UPLOAD_BYTES that it is too big, in the API\'s words', async () => {
    const { page } = alice;
    const big = join(work, 'huge.jpg');
    writeFileSync(big, Buffer.alloc(state.maxUploadBytes + 1024 * 1024, 0xff));
    await page.locator('input[type=file]').setInputFiles(big);

    const refused = page.locator('.transfer', { hasText: 'huge.jpg' });
    await refused.locator('.transfer-reason').waitFor();
    expect(await refused.getAttribute('data-state')).toBe('rejected');
    expect(await refused.locator('.transfer-reason').textContent()).toBe(`: the file is larger than ${state.maxUploadBytes} bytes (MAX_UPLOAD_BYTES)`);
  });

  it('takes photos dropped on the page; its progress bar moves with the bytes (a slow link) and survives a visit to the feed', async () => {
    const { page, context } = alice;
    // 64 KB/s up: a photo of ~170 KB takes a few seconds, so the bar is seen part-way
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
    try {
      const photo = await sceneJpeg(1);
      const drop = await page.evaluateHandle(
        ({ bytes, name }) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], name, { type: 'image/jpeg' }));
          return transfer;
        },
        { bytes: [...photo], name: 'dropped.jpg' },
      );
      await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: drop });

      const bar = page.locator('.transfer', { hasText: 'dropped.jpg' }).locator('progress');
      await until(page, () => [...document.querySelectorAll<HTMLProgressElement>('.transfer progress')].some((p) => p.value > 0 && p.value < p.max * 0.9 && p.closest('.transfer')?.textContent?.includes('dropped.jpg')), null);
      expect(await page.locator('.transfer', { hasText: 'dropped.jpg' }).locator('.transfer-state').textContent()).toMatch(/^uploading \d+%$/);
      // away and back while it goes up: the upload and its row carry on
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feed' }).click();
      await page.getByRole('heading', { name: 'Feed' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your photos' }).click();
      await page.locator('.transfer', { hasText: 'dropped.jpg' }).waitFor();
      await until(page, () => document.querySelector('.transfer:last-child')?.getAttribute('data-state') === 'done', null, 60_000);
      expect(await bar.evaluate((p: HTMLProgressElement) => p.value === p.max && p.max === Number(p.getAttribute('max')))).toBe(true);
      await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 5, null);
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });

  it("tells a follower live: the bell's count rises and the photo joins their feed without a reload; opening it marks it read", async () => {
    const bob = await openPage(browser, state.apiUrl, { width: 390, height: 844 }); // a phone
    try {
      const { page } = bob;
      await signUp(bob, handleFor('bob'));

      // find alice from the keyboard, follow her: the counts follow the API
      await page.getByLabel('Find people by handle').fill(`@${aliceHandle}`);
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Follow', exact: true }).click();
      await page.getByRole('button', { name: 'Unfollow', exact: true }).waitFor();
      expect(await page.locator('[data-count=followers]').textContent()).toBe('1');
      await page.getByRole('button', { name: 'followers', exact: true }).click();
      await page.getByRole('list', { name: `@${aliceHandle}'s followers` }).getByRole('link', { name: `@${handleFor('bob')}` }).waitFor();
      expect(await page.locator('[data-count=uploads]').textContent()).toBe('5');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feed' }).click();
      await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 5, null);
      const bell = page.locator('.bell-button');
      expect(await bell.getAttribute('aria-label')).toBe('Notifications, 0 unread');
      await until(page, () => document.querySelector('.live')?.classList.contains('live-live') ?? false, null);
      const unreloaded = await markPage(page);

      const [photo] = await photoFiles(1, 4);
      await alice.page.locator('input[type=file]').setInputFiles(photo!);

      await until(page, () => document.querySelector('.bell-count')?.textContent === '1', null);
      expect(await bell.getAttribute('aria-label')).toBe('Notifications, 1 unread');
      await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 6, null);
      expect(await page.locator('.grid .tile').first().locator('.tile-owner').textContent()).toBe(`@${aliceHandle}`);
      expect(await unreloaded()).toBe(true);

      await bell.click();
      const item = page.locator('.bell-item', { hasText: `@${aliceHandle} posted a photo` });
      expect(await item.getAttribute('class')).toContain('is-unread');
      await item.click();
      await page.locator('.bell-count').waitFor({ state: 'detached' });
      // the read went to the API too (the page sends it without waiting)
      const token = await tokenOf(page);
      const unreadCount = async () => ((await (await fetch(`${state.apiUrl}/v1/notifications/unread-count`, { headers: bearer(token) })).json()) as { unread: number }).unread;
      expect(await eventually('the notification marked read', unreadCount, (n) => n === 0, 10_000)).toBe(0);
      expect(bob.errors).toEqual([]);
    } finally {
      await bob.context.close();
    }
  });

  it('signs out, forgetting the token in this browser', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Pick a handle').waitFor();
    expect(await tokenOf(page)).toBe('');
  });
});

describe('the web page on a stack of its own: an api that goes away, a deletion', () => {
  // An api, workers and a notifier of its own: stopping this api must not disturb the other suites
  // (nor deleting a photo: the shared stack's pipeline suite compares the notifier's counters with its rows).
  const stack = new PrivateStack('web');
  let carol: WatchedPage;

  beforeAll(async () => {
    await stack.start();
    await (await stack.notifier('notifier-web')).ready;
    carol = await openPage(browser, stack.apiUrl);
  });

  afterAll(async () => {
    await carol?.context.close();
    await stack.close();
  });

  it('reconnects the stream with Last-Event-ID and shows what was developed meanwhile, without a reload', async () => {
    const watched = carol;
    const { page } = watched;
    const streams: string[] = [];
    page.on('request', (request) => request.url().includes('/v1/notifications/stream') && streams.push(request.url()));
    const first = await stack.worker('worker-web-1');
    await first.ready;
    await signUp(watched, handleFor('carol'));
    const [before, during] = await photoFiles(2, 5);
    await page.locator('input[type=file]').setInputFiles(before!);
    await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 1, null);
    await until(page, () => document.querySelector('.bell-count')?.textContent === '1', null); // the id a reconnect replays from
    await stopApp(first.app.child);

    // accepted while no worker runs: it waits in the queue
    await page.locator('input[type=file]').setInputFiles(during!);
    await until(page, () => document.querySelector('.transfer:last-child')?.getAttribute('data-state') === 'queued', null);
    const unreloaded = await markPage(page);

    await stack.stopApi();
    await until(page, () => document.querySelector('.live')?.classList.contains('live-reconnecting') ?? false, null);
    // developed and notified while the api is gone: nobody is subscribed to hear it live
    const second = await stack.worker('worker-web-2');
    await second.ready;
    await eventually(
      'the second photo done and its notification recorded',
      () => stack.sql<{ n: number }>(`SELECT count(*)::int AS n FROM notifications n JOIN uploads u ON u.id = n.upload_id WHERE u.status = 'done'`),
      (rows) => rows[0]!.n === 2,
      30_000,
    );
    expect(await page.locator('.bell-count').textContent()).toBe('1');

    await stack.startApi();
    await until(page, () => document.querySelector('.live')?.classList.contains('live-live') ?? false, null);
    await until(page, () => document.querySelector('.bell-count')?.textContent === '2', null);
    await until(page, () => document.querySelector('.transfer:last-child')?.getAttribute('data-state') === 'done', null);
    await until(page, () => document.querySelectorAll('.grid .photo.is-loaded img').length === 2, null);
    expect(await unreloaded()).toBe(true);
    // it was the replay: the stream that came back asked for what followed the last notification it saw
    const [seen] = await stack.sql<{ id: string }>(`SELECT id FROM notifications ORDER BY created_at LIMIT 1`);
    expect(new URL(streams.at(-1)!).searchParams.get('lastEventId')).toBe(seen!.id);
    // the refused connections of the outage are the page's only complaints
    expect(watched.errors.filter((e) => !/net::ERR_CONNECTION_REFUSED|status of 503/.test(e))).toEqual([]);
  });

  it('deletes a photo of yours from the viewer, after asking twice', async () => {
    const { page } = carol;
    const before = await page.locator('.grid .tile').count();
    await page.locator('.grid .tile-open').first().click();
    const viewer = page.getByRole('dialog');
    await viewer.waitFor();
    const id = /\/v1\/uploads\/([0-9a-f-]{36})\//.exec((await page.locator('.viewer-image').getAttribute('src'))!)![1]!;
    await viewer.getByRole('button', { name: 'Delete', exact: true }).click();
    expect(await page.locator('.grid .tile').count()).toBe(before); // not yet: it asks again
    await viewer.getByRole('button', { name: 'Delete for good' }).click();
    await until(page, (n) => document.querySelectorAll('.grid .tile').length === n, before - 1);
    expect(await viewer.getAttribute('aria-label')).toBe(`Photo 1 of ${before - 1}`); // the next one
    await page.keyboard.press('Escape');
    expect((await fetch(`${stack.apiUrl}/v1/uploads/${id}`, { headers: bearer(await tokenOf(page)) })).status).toBe(404);
  });
});

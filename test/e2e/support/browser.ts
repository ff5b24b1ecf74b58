import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (.ci/run installs the package); Playwright never downloads a browser here. */
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: \`apt-get install chromium\` (.ci/run does), or set E2E_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', // the suite runs as root, where Chromium's sandbox refuses to start
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      // Nothing but the apps under test: no update checks, sync, field trials or lookups of Google's hosts.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
}

/** A page whose script errors fail the test that reads them, not a console nobody reads. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  errors: string[];
}

export async function openPage(browser: Browser, baseURL: string, viewport = { width: 1280, height: 800 }): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // a refused request (415 of the undecodable file) is the page working; everything else is not
    if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of (4\d\d)/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return { page, context, errors };
}

/** Waits until `condition` holds in the page (Playwright polls it on animation frames); never a fixed sleep. */
export async function until<A>(page: Page, condition: (arg: A) => boolean, arg: A, timeout = 30_000): Promise<void> {
  // Playwright types the argument as it arrives in the page (Unboxed<A>); for the plain values passed here that is A
  await page.waitForFunction(condition as Parameters<Page['waitForFunction']>[0], arg, { timeout });
}

/** A flag set in the page's window: still there later means the page was never reloaded. */
export async function markPage(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => ((window as unknown as { __e2eMark?: number }).__e2eMark = 1));
  return () => page.evaluate(() => (window as unknown as { __e2eMark?: number }).__e2eMark === 1);
}

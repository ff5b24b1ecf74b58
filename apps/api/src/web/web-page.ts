import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/** What the api answers itself; nothing under these ever becomes the page. */
const API_PATHS = /^\/(v1|health|metrics|docs)(\/|$)/;

/**
 * Whether a request is for the page: a GET or HEAD outside the API that asks for HTML (a browser's
 * navigation to /feed or /u/ada). A script's fetch of an unknown path (Accept: *\/*) still gets the
 * API's JSON 404, so a mistyped API path never looks like a page.
 */
export function isPageRequest(method: string, path: string, accept: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && !API_PATHS.test(path) && /\btext\/html\b/.test(accept ?? '');
}

/**
 * Serves the built web page (apps/web, `vite build`) natively: its files at /, and index.html for any
 * other page path, so the page's own routes survive a reload. Hashed assets are cached for good,
 * index.html never (it names the current assets). Registered before the api's metrics and request log:
 * these are static files, as nginx serves them in compose. Returns false when there is no build.
 */
export function serveWebPage(app: INestApplication, dir: string): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const files = express.static(dir, {
    index: 'index.html',
    setHeaders: (res, path) => res.setHeader('Cache-Control', path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (API_PATHS.test(req.path)) return next();
    files(req, res, () => {
      if (!isPageRequest(req.method, req.path, req.headers.accept)) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  });
  return true;
}

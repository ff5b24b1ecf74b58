import { defineConfig } from 'vite';

// `vite build apps/web` (npm run build) writes the page to dist/web, beside the Nest apps' build:
// the api serves it natively (WEB_DIST_DIR), the image's nginx stage copies it.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: '../../dist/web', emptyOutDir: true, target: 'es2022' },
  // `npx vite apps/web` while `npm run start:api` runs: the page with hot reload, the API through the proxy.
  server: {
    host: '127.0.0.1',
    proxy: { '/v1': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' },
  },
});

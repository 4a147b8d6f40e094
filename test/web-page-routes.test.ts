/** The page's routes: built from web/ on first request in a checkout, HTML revalidated by ETag, hashed assets immutable. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { AlbumError } from '../src/album/errors';
import type { ApiEnv } from '../src/http/api-env';
import { loadPageAssets } from '../src/web/page-assets';
import { PAGE_BUDGET_BYTES, pageBytes } from '../src/web/page-build';
import { isPagePath, pageRoutes } from '../src/web/page-routes';

describe('People page routes', () => {
  it('serves the page built from web/, within its budget, and revalidates it by ETag', async () => {
    const app = new Hono<ApiEnv>();
    app.onError((err, c) => c.text(err.message, err instanceof AlbumError ? (err.status as 404) : 500));
    pageRoutes(app);
    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const etag = page.headers.get('etag')!;
    expect((await app.request('/', { headers: { 'if-none-match': etag } })).status).toBe(304);

    const names = [...html.matchAll(/(?:href|src)="(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(names.map((n) => n.split('.').pop()).sort()).toEqual(['css', 'js']);
    for (const name of names) {
      const res = await app.request(`/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect(pageBytes((await loadPageAssets())!)).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
    expect((await app.request('/assets/app.0000.js')).status).toBe(404);
  });

  it('answers 404 where the page is not embedded (indexer, clusterer bundles)', async () => {
    const app = new Hono<ApiEnv>();
    app.onError((err, c) => c.text(err.message, 404));
    pageRoutes(app, async () => null);
    expect((await app.request('/')).status).toBe(404);
  });

  it('names exactly the page paths as public', () => {
    expect(['/', '/assets/app.1.js'].map(isPagePath)).toEqual([true, true]);
    expect(['/people', '/stats', '/assetsx', '/health'].map(isPagePath)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

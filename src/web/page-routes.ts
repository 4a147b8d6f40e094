import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { AlbumError } from '../album/errors';
import type { ApiEnv } from '../http/api-env';
import { loadPageAssets, type PageAssets } from './page-assets';

/**
 * The People page's policy: its own script and styles only, images from anywhere (OSS signed URLs or
 * the local media links), API calls to this origin. Nobody may frame it.
 */
const CSP =
  "default-src 'self'; img-src * data: blob:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The page's own paths, public like /health: the page asks for the API key itself. */
export const isPagePath = (path: string): boolean => path === '/' || path.startsWith('/assets/');

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;

/**
 * GET / (the page) and GET /assets/* (its hashed script and stylesheet), public: the page asks for the
 * API key itself. Asset names carry their content hash, so they are cached for a year; the HTML is
 * revalidated by ETag so a deploy shows at once.
 */
export function pageRoutes(app: Hono<ApiEnv>, load: () => Promise<PageAssets | null> = loadPageAssets): void {
  const assets = async () => {
    const page = await load();
    if (!page) throw new AlbumError('not_found', 'this function does not serve the page');
    return page;
  };
  const conditional = (ifNoneMatch: string | undefined, etag: string) =>
    ifNoneMatch?.split(',').some((t) => t.trim() === etag) ?? false;

  app.get('/', async (c) => {
    const page = await assets();
    const etag = etagOf(page.html);
    const headers = {
      etag,
      'cache-control': 'no-cache',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (conditional(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.html(page.html, 200, headers);
  });
  app.get('/assets/:name', async (c) => {
    const page = await assets();
    const file = page.files[`assets/${c.req.param('name')}`];
    if (!file) throw new AlbumError('not_found', `no asset ${c.req.param('name')}`);
    const etag = etagOf(file.body);
    const headers = {
      etag,
      'content-type': file.type,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    };
    if (conditional(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(file.body, 200, headers);
  });
}

import { Hono } from 'hono';
import type { AlbumService } from '../../album/album-service';
import { AlbumError } from '../../album/errors';
import type { AlbumConfig } from '../../config/album-config';
import { createApiApp } from '../../http/api-app';
import type { ApiEnv } from '../../http/api-env';
import { toErrorResponse } from '../../http/errors';
import type { SignedMedia } from '../../http/signed-media';
import type { AlbumLibraries } from '../../library/album-libraries';
import type { Logger } from '../../log/logger';

export interface LibrariesApiOptions {
  libraries: AlbumLibraries;
  config: AlbumConfig;
  log: Logger;
  bucket: string;
  media?: (library: string | null) => SignedMedia | null;
}

/**
 * Stop-gap until the API serves libraries itself (`createApiApp({ libraries, … })` with JWT library
 * tokens, on main): `/libraries/:library/…` is the single-album API of that library, behind the admin
 * key only; `GET /libraries` lists them. Same options as the libraries-aware createApiApp, so switching
 * is one line in local-libraries.ts.
 */
export function librariesApi({ libraries, config, log, bucket, media }: LibrariesApiOptions): Hono<ApiEnv> {
  const apps = new Map<AlbumService, Hono<ApiEnv>>();
  const app = new Hono<ApiEnv>();
  const notFound = (path: string) => new AlbumError('not_found', `no route ${path}`);
  app.onError((err, c) => toErrorResponse(err, c, log));
  app.get('/health', (c) => c.json({ ok: true, backend: 'local' }));
  app.get('/libraries', async (c) => {
    if (config.apiKey && c.req.header('authorization') !== `Bearer ${config.apiKey}`)
      throw new AlbumError('unauthorized', 'missing or wrong API key');
    return c.json({ items: await libraries.list() });
  });
  app.all('/libraries/:library/*', async (c) => {
    const name = c.req.param('library');
    const service = await libraries.open(name);
    if (!service) throw notFound(c.req.path);
    let lib = apps.get(service);
    if (!lib) {
      lib = createApiApp({
        service,
        log: log.child({ library: name }),
        bucket,
        media: media?.(name) ?? undefined,
      });
      apps.set(service, lib);
    }
    const url = new URL(c.req.url);
    url.pathname = url.pathname.slice(`/libraries/${name}`.length) || '/';
    return lib.fetch(new Request(url, c.req.raw));
  });
  app.notFound((c) => toErrorResponse(notFound(c.req.path), c, log));
  return app;
}

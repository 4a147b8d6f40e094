import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { AlbumError } from '../album/errors';
import type { AlbumConfig } from '../config/album-config';
import type { AlbumLibraries } from '../library/album-libraries';
import { libraryNameProblem } from '../library/library-name';
import type { Logger } from '../log/logger';
import { isPagePath, pageRoutes } from '../web/page-routes';
import { albumRoutes } from './album-routes';
import { apiAccess } from './api-access';
import type { ApiEnv } from './api-env';
import { toErrorResponse } from './errors';
import { readBodyMemo } from './read-body-memo';
import { EDIT_ID_HEADER } from './route-needs';
import { SIGNED_MEDIA_PATHS, type SignedMedia, signedMediaRoutes } from './signed-media';

export interface ApiOptions {
  /** The album(s): single mode `singleLibrary(service)`, prefix mode one album per library. */
  libraries: AlbumLibraries;
  /** Deployment-wide settings: the admin key, the token secret, CORS. */
  config: AlbumConfig;
  log: Logger;
  /** Bucket that bare keys in `?uri=` refer to. */
  bucket: string;
  /** Backend capability: bytes behind signed media links (local backend only), per library (null: single mode). */
  media?: (library: string | null) => SignedMedia | null;
  /** `POST /detect` uploads. */
  maxUploadBytes?: number;
  /** Every other request body (JSON edits). */
  maxJsonBytes?: number;
}

/** Where a library's routes live in prefix mode. */
const LIBRARY_BASE = '/libraries/:library';
// dotAll (s): a decoded path may hold line breaks.
const LIBRARY_PATH = /^\/libraries\/([^/]+)(\/.*)?$/s;

/** Reads whose answers depend only on the album's data and its signed links (not /stats: it reports the live queue). */
const MEMO_PATHS = /^(\/libraries\/[^/]+)?\/(people(\/[^/]+(\/photos)?)?|photos(\/faces)?)$/;

const tooLarge = (max: number, what: string) => (): never => {
  throw new AlbumError('bad_request', `${what} larger than ${max} bytes`);
};

/** A route a caller reaches without a credential: the health probe, the page, links that carry a signature. */
function isPublicPath(path: string): boolean {
  if (path === '/health' || isPagePath(path)) return true;
  const sub = LIBRARY_PATH.exec(path)?.[2] ?? path;
  return (SIGNED_MEDIA_PATHS as readonly string[]).includes(sub);
}

/** The people HTTP API. Runs unchanged behind the FC adapter and the local server, on either backend. */
export function createApiApp({
  libraries,
  config,
  log,
  bucket,
  media,
  maxUploadBytes = 20 * 1024 * 1024,
  maxJsonBytes = 64 * 1024,
}: ApiOptions): Hono<ApiEnv> {
  const { corsOrigins, apiKey, tokenSecret } = config;
  const mode = libraries.mode;
  const app = new Hono<ApiEnv>();

  app.use('*', requestId({ headerName: 'x-request-id' }));
  app.use('*', async (c, next) => {
    const started = Date.now();
    await next();
    log.info('http.request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
    });
  });
  if (corsOrigins.length) {
    app.use(
      '*',
      cors({
        origin: corsOrigins.includes('*') ? '*' : corsOrigins,
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
        // The page reads which edit-log entry an edit made (undo).
        exposeHeaders: [EDIT_ID_HEADER],
        maxAge: 600,
      }),
    );
  }
  app.onError((err, c) => toErrorResponse(err, c, log));
  app.notFound((c) => {
    const hint =
      mode === 'prefix' && !c.req.path.startsWith('/libraries/') ? ' (use /libraries/:library/…)' : '';
    return toErrorResponse(
      new AlbumError('not_found', `no route ${c.req.method} ${c.req.path}${hint}`),
      c,
      log,
    );
  });

  // Auth by path, before any route and before any body is read: a request without a credential costs a header check.
  app.use('*', apiAccess({ mode, apiKey, tokenSecret, isPublic: isPublicPath }));
  // Bodies are bounded as they arrive (not after buffering): uploads on /detect, small JSON elsewhere.
  const jsonLimit: MiddlewareHandler = bodyLimit({
    maxSize: maxJsonBytes,
    onError: tooLarge(maxJsonBytes, 'request body'),
  });
  // GET/HEAD handlers read no body: skipping the check there also spares building a full Request.
  app.use('*', (c, next) =>
    c.req.path.endsWith('/detect') ||
    c.req.path.endsWith('/people/search') ||
    c.req.method === 'GET' ||
    c.req.method === 'HEAD'
      ? next()
      : jsonLimit(c, next),
  );

  const health = { ok: true, backend: libraries.backend, ...(mode === 'prefix' ? { mode } : {}) };
  app.get('/health', (c) => c.json(health));
  // The People page (GET / and its assets) is public: it asks for the key or token itself.
  pageRoutes(app);

  const routes = albumRoutes({ bucket, maxUploadBytes, tooLarge });
  // Read answers kept as JSON text until the album or its links change (local backend; see read-body-memo).
  const memo = readBodyMemo({ version: (c) => c.get('album').readVersion(), paths: MEMO_PATHS });

  if (mode === 'single') {
    const albumOf = libraries.open('');
    app.use('*', async (c, next) => {
      c.set('album', (await albumOf)!);
      c.set('library', null);
      return next();
    });
    const single = media?.(null) ?? null;
    if (single) signedMediaRoutes(app, '', () => single);
    app.use('*', memo);
    app.route('/', routes);
    return app;
  }

  // Prefix mode: every album route under /libraries/:library, plus the list of libraries the caller may open.
  app.get('/libraries', async (c) => {
    const access = c.get('access');
    const names = access.kind === 'admin' ? await libraries.list() : [access.library];
    return c.json({ items: names.map((name) => ({ name })), access: access.kind });
  });
  app.use(`${LIBRARY_BASE}/*`, async (c, next) => {
    const library = c.req.param('library') ?? '';
    const problem = libraryNameProblem(library);
    if (problem) throw new AlbumError('bad_request', problem);
    const access = c.get('access');
    // A token of another library learns nothing: the answer is the one for a library that does not exist.
    const absent = new AlbumError('not_found', `library ${library} does not exist`);
    if (access && access.kind === 'library' && access.library !== library) throw absent;
    const album = await libraries.open(library);
    if (!album) throw absent;
    c.set('album', album);
    c.set('library', library);
    return next();
  });
  // Public: a link's signature (made with its library's key) is its credential.
  if (media) signedMediaRoutes(app, LIBRARY_BASE, (c) => media(c.get('library')));
  app.use(`${LIBRARY_BASE}/*`, memo);
  app.route(LIBRARY_BASE, routes);
  return app;
}

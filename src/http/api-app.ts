import { Hono, type MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import type { AlbumService } from '../album/album-service';
import { AlbumError } from '../album/errors';
import type { Logger } from '../log/logger';
import { formatIssues } from '../schema/zod-issues';
import { isPagePath, pageRoutes } from '../web/page-routes';
import type { ApiEnv } from './api-env';
import {
  DetectBody,
  FaceParam,
  MergeBody,
  PageQuerySchema,
  PeopleListQuery,
  PersonIdParam,
  PersonPatchBody,
  PhotoQuery,
} from './api-schemas';
import { toErrorResponse } from './errors';
import { pageApiRoutes } from './page-api-routes';
import { readBodyMemo } from './read-body-memo';
import { SIGNED_MEDIA_PATHS, type SignedMedia, signedMediaRoutes } from './signed-media';
import { validate } from './validation';

export interface ApiOptions {
  service: AlbumService;
  log: Logger;
  /** Bucket that bare keys in `?uri=` refer to. */
  bucket: string;
  /** Backend capability: bytes behind signed media links (local backend only). */
  media?: SignedMedia;
  /** `POST /detect` uploads. */
  maxUploadBytes?: number;
  /** Every other request body (JSON edits). */
  maxJsonBytes?: number;
}

/** Routes a caller reaches without the bearer key: a health probe, and links that carry a signature (and the page, below). */
const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', ...SIGNED_MEDIA_PATHS]);

/** Reads whose answers depend only on the album's data and its signed links (not /stats: it reports the live queue). */
const MEMO_PATHS = /^\/(people(\/[^/]+(\/photos)?)?|photos\/faces)$/;

const tooLarge = (max: number, what: string) => () => {
  throw new AlbumError('bad_request', `${what} larger than ${max} bytes`);
};

/** The people HTTP API. Runs unchanged behind the FC adapter and the local server. */
export function createApiApp({
  service,
  log,
  bucket,
  media,
  maxUploadBytes = 20 * 1024 * 1024,
  maxJsonBytes = 64 * 1024,
}: ApiOptions): Hono<ApiEnv> {
  const { apiKey, corsOrigins } = service.config;
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
        maxAge: 600,
      }),
    );
  }
  app.onError((err, c) => toErrorResponse(err, c, log));
  app.notFound((c) =>
    toErrorResponse(new AlbumError('not_found', `no route ${c.req.method} ${c.req.path}`), c, log),
  );

  // Auth by path, before any route and before any body is read: a request without the key costs a header check.
  if (apiKey) {
    const auth: MiddlewareHandler = bearerAuth({ token: apiKey });
    app.use('*', (c, next) =>
      PUBLIC_PATHS.has(c.req.path) || isPagePath(c.req.path) ? next() : auth(c, next),
    );
  }
  // Bodies are bounded as they arrive (not after buffering): uploads on /detect, small JSON elsewhere.
  const jsonLimit: MiddlewareHandler = bodyLimit({
    maxSize: maxJsonBytes,
    onError: tooLarge(maxJsonBytes, 'request body'),
  });
  // GET/HEAD handlers read no body: skipping the check there also spares building a full Request.
  app.use('*', (c, next) =>
    c.req.path === '/detect' || c.req.method === 'GET' || c.req.method === 'HEAD'
      ? next()
      : jsonLimit(c, next),
  );

  // Read answers kept as JSON text until the album or its links change (local backend; see read-body-memo).
  app.use('*', readBodyMemo({ version: () => service.readVersion(), paths: MEMO_PATHS }));

  app.get('/health', (c) => c.json({ ok: true, backend: service.backend.kind }));
  // The People page (GET / and its assets) is public: it asks for the API key itself.
  pageRoutes(app);
  if (media) signedMediaRoutes(app, media);

  app.get('/stats', async (c) => c.json(await service.stats()));
  pageApiRoutes(app, service, bucket);

  app.get('/people', validate('query', PeopleListQuery), async (c) => {
    const q = c.req.valid('query');
    const order = q.order ?? (q.sort === 'name' ? 'asc' : 'desc');
    return c.json(await service.listPeople({ ...q, order }));
  });
  app.post('/people/merge', validate('json', MergeBody), async (c) => {
    const { from, into } = c.req.valid('json');
    const task = await service.mergePeople(from, into);
    return c.json({ task }, 202);
  });
  app.get('/people/:id', validate('param', PersonIdParam), async (c) =>
    c.json(await service.getPerson(c.req.valid('param').id)),
  );
  app.get(
    '/people/:id/photos',
    validate('param', PersonIdParam),
    validate('query', PageQuerySchema),
    async (c) => c.json(await service.listPersonPhotos(c.req.valid('param').id, c.req.valid('query'))),
  );
  app.patch('/people/:id', validate('param', PersonIdParam), validate('json', PersonPatchBody), async (c) =>
    c.json(await service.updatePerson(c.req.valid('param').id, c.req.valid('json'))),
  );

  // "Not this person" where the backend can reject one face (local); absent on IMM, so 404 there.
  if (service.canRejectFaces)
    app.delete('/people/:id/faces/:faceId', validate('param', FaceParam), async (c) => {
      const { id, faceId } = c.req.valid('param');
      await service.rejectFace(id, faceId);
      return c.json({ personId: id, faceId, removed: true });
    });

  app.get('/tasks/:id', async (c) => c.json(await service.getTask(c.req.param('id'))));

  app.get('/photos/faces', validate('query', PhotoQuery), async (c) =>
    c.json(await service.getPhoto(service.resolvePhotoUri(c.req.valid('query').uri, bucket))),
  );

  app.post(
    '/detect',
    bodyLimit({ maxSize: maxUploadBytes, onError: tooLarge(maxUploadBytes, 'upload') }),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/json')) {
        const parsed = DetectBody.safeParse(
          await c.req.json().catch(() => {
            throw new AlbumError('bad_request', 'body is not valid JSON');
          }),
        );
        if (!parsed.success)
          throw new AlbumError('bad_request', `invalid json: ${formatIssues(parsed.error, 'json')}`);
        return c.json({
          faces: await service.detect({ kind: 'uri', uri: service.resolvePhotoUri(parsed.data.uri, bucket) }),
        });
      }
      if (type.startsWith('image/') || type === 'application/octet-stream') {
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        if (!bytes.length) throw new AlbumError('bad_request', 'empty upload');
        return c.json({ faces: await service.detect({ kind: 'bytes', bytes, contentType: type }) });
      }
      throw new AlbumError(
        'bad_request',
        'send application/json {"uri"} or the image bytes with an image/* content type',
      );
    },
  );

  return app;
}

import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import type { AlbumService } from '../album/album-service';
import { AlbumError } from '../album/errors';
import type { Logger } from '../log/logger';
import { pageRoutes } from '../web/page-routes';
import {
  DetectBody,
  MergeBody,
  PageQuerySchema,
  PeopleListQuery,
  PersonIdParam,
  PersonPatchBody,
  PhotoQuery,
} from './api-schemas';
import { toErrorResponse } from './errors';
import { pageApiRoutes } from './page-api-routes';
import { validate } from './validation';

export interface ApiOptions {
  service: AlbumService;
  log: Logger;
  /** Bucket that bare keys in `?uri=` refer to. */
  bucket: string;
  /** Extra routes a runtime adds (the local backend serves photo bytes here). */
  extend?: (app: Hono) => void;
  maxUploadBytes?: number;
}

type Env = { Variables: { requestId: string } };

/** The people HTTP API. Runs unchanged behind the FC adapter and the local server. */
export function createApiApp({
  service,
  log,
  bucket,
  extend,
  maxUploadBytes = 20 * 1024 * 1024,
}: ApiOptions): Hono<Env> {
  const { apiKey, corsOrigins } = service.config;
  const app = new Hono<Env>();

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

  app.get('/health', (c) => c.json({ ok: true, backend: service.backend.kind }));
  // The People page (GET / and its assets) is public: it asks for the API key itself.
  pageRoutes(app as unknown as Hono);
  // Runtime routes (signed media links) check their own signature: an <img> cannot send a bearer token.
  extend?.(app as unknown as Hono);
  // Auth goes after /health so a load balancer can probe without the key.
  if (apiKey) app.use('*', bearerAuth({ token: apiKey }));

  app.get('/stats', async (c) => c.json(await service.stats()));
  pageApiRoutes(app as unknown as Hono, service, bucket);

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

  app.get('/tasks/:id', async (c) => c.json(await service.getTask(c.req.param('id'))));

  app.get('/photos/faces', validate('query', PhotoQuery), async (c) =>
    c.json(await service.getPhoto(service.resolvePhotoUri(c.req.valid('query').uri, bucket))),
  );

  app.post(
    '/detect',
    bodyLimit({
      maxSize: maxUploadBytes,
      onError: () => {
        throw new AlbumError('bad_request', `upload larger than ${maxUploadBytes} bytes`);
      },
    }),
    async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/json')) {
        const parsed = DetectBody.safeParse(
          await c.req.json().catch(() => {
            throw new AlbumError('bad_request', 'body is not valid JSON');
          }),
        );
        if (!parsed.success)
          throw new AlbumError(
            'bad_request',
            `invalid json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
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

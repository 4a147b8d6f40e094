import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { AlbumError } from '../album/errors';
import { formatIssues } from '../schema/zod-issues';
import type { ApiEnv } from './api-env';
import {
  DetectBody,
  FaceParam,
  MergeBody,
  PeopleListQuery,
  PersonIdParam,
  PersonPatchBody,
  PhotoQuery,
  Text,
} from './api-schemas';
import { editRoutes } from './edit-routes';
import { editReceipt, needs as needsOf } from './route-needs';
import { searchRoutes } from './search-routes';
import { unknownFaceRoutes } from './unknown-face-routes';
import { validate } from './validation';

const FaceId = Text().min(1).max(256);
const CoverBody = z.object({ faceId: FaceId }).strict();
const AssignBody = z.object({ personId: Text().min(1).max(256) }).strict();
const SimilarQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });
const FaceOnlyParam = z.object({ faceId: FaceId });

export interface AlbumRoutesOptions {
  /** Bucket that bare keys in `?uri=` refer to. */
  bucket: string;
  maxUploadBytes: number;
  tooLarge: (max: number, what: string) => () => never;
}

/**
 * The routes of one album: people, person, photos, faces, edits, tasks, stats, detect. Each request's
 * album (`c.get('album')`) is chosen before them: the deployment's one album in single mode, or the
 * library of `/libraries/:library/…` in prefix mode — so the same routes serve both.
 */
export function albumRoutes({ bucket, maxUploadBytes, tooLarge }: AlbumRoutesOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  // An edit a backend cannot do answers 404 like an unknown route; GET /capabilities says so beforehand.
  const needs = (cap: Parameters<typeof needsOf>[1]) => needsOf(bucket, cap);

  app.get('/stats', async (c) => c.json(await c.get('album').stats()));
  app.get('/capabilities', (c) => {
    const caps = c.get('album').capabilities(bucket);
    // An end user's token learns its library's folder name, not where the server keeps photos.
    const library = c.get('library');
    if (c.get('access')?.kind === 'library' && library && caps.source.kind === 'folder')
      return c.json({ ...caps, source: { kind: 'folder', path: library } });
    return c.json(caps);
  });

  app.get('/people', validate('query', PeopleListQuery), async (c) => {
    const q = c.req.valid('query');
    const order = q.order ?? (q.sort === 'name' ? 'asc' : 'desc');
    return c.json(await c.get('album').listPeople({ ...q, order }));
  });
  // GET /photos, GET /people/:id/photos, POST /people/search (before /people/:id).
  app.route('/', searchRoutes({ bucket, maxUploadBytes, tooLarge }));
  // Edits answer with the edit-log entry they made in X-Album-Edit-Id (backends with a log; see edit-routes).
  app.post('/people/merge', validate('json', MergeBody), async (c) => {
    const { from, into, name } = c.req.valid('json');
    const receipt = editReceipt(c);
    const task = await c.get('album').mergePeople(from, into, { name, receipt });
    receipt.answered();
    return c.json({ task }, 202);
  });
  app.get('/people/:id', validate('param', PersonIdParam), async (c) =>
    c.json(await c.get('album').getPerson(c.req.valid('param').id)),
  );
  app.patch('/people/:id', validate('param', PersonIdParam), validate('json', PersonPatchBody), async (c) => {
    const receipt = editReceipt(c);
    const person = await c.get('album').updatePerson(c.req.valid('param').id, c.req.valid('json'), receipt);
    receipt.answered();
    return c.json(person);
  });
  // "Not this person" where the backend can reject one face (local); absent on IMM, so 404 there.
  app.delete('/people/:id/faces/:faceId', needs('rejectFace'), validate('param', FaceParam), async (c) => {
    const { id, faceId } = c.req.valid('param');
    const receipt = editReceipt(c);
    await c.get('album').rejectFace(id, faceId, receipt);
    receipt.answered();
    return c.json({ personId: id, faceId, removed: true });
  });
  app.put(
    '/people/:id/cover',
    needs('chooseCover'),
    validate('param', PersonIdParam),
    validate('json', CoverBody),
    async (c) => {
      const receipt = editReceipt(c);
      const person = await c
        .get('album')
        .setCover(c.req.valid('param').id, c.req.valid('json').faceId, receipt);
      receipt.answered();
      return c.json(person);
    },
  );
  app.get(
    '/people/:id/similar',
    needs('similarPeople'),
    validate('param', PersonIdParam),
    validate('query', SimilarQuery),
    async (c) =>
      c.json({
        items: await c.get('album').similarPeople(c.req.valid('param').id, c.req.valid('query').limit),
      }),
  );
  app.put(
    '/faces/:faceId/person',
    needs('assignFace'),
    validate('param', FaceOnlyParam),
    validate('json', AssignBody),
    async (c) => {
      const { faceId } = c.req.valid('param');
      const { personId } = c.req.valid('json');
      const receipt = editReceipt(c);
      await c.get('album').assignFace(faceId, personId, receipt);
      receipt.answered();
      return c.json({ faceId, personId });
    },
  );

  app.route('/', editRoutes({ bucket }));
  app.route('/', unknownFaceRoutes({ bucket }));

  app.get('/tasks/:id', async (c) => c.json(await c.get('album').getTask(c.req.param('id'))));

  app.get('/photos/faces', validate('query', PhotoQuery), async (c) => {
    const album = c.get('album');
    return c.json(await album.getPhoto(album.resolvePhotoUri(c.req.valid('query').uri, bucket)));
  });

  app.post(
    '/detect',
    bodyLimit({ maxSize: maxUploadBytes, onError: tooLarge(maxUploadBytes, 'upload') }),
    async (c) => {
      const album = c.get('album');
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
          faces: await album.detect({ kind: 'uri', uri: album.resolvePhotoUri(parsed.data.uri, bucket) }),
        });
      }
      if (type.startsWith('image/') || type === 'application/octet-stream') {
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        if (!bytes.length) throw new AlbumError('bad_request', 'empty upload');
        return c.json({ faces: await album.detect({ kind: 'bytes', bytes, contentType: type }) });
      }
      throw new AlbumError(
        'bad_request',
        'send application/json {"uri"} or the image bytes with an image/* content type',
      );
    },
  );
  return app;
}

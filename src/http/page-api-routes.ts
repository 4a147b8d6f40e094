import type { Hono } from 'hono';
import { z } from 'zod';
import type { AlbumService } from '../album/album-service';
import { PersonIdParam } from './api-schemas';
import { validate } from './validation';

const FaceId = z.string().min(1).max(256);
const CoverBody = z.object({ faceId: FaceId }).strict();
const AssignBody = z.object({ personId: z.string().min(1).max(256) }).strict();
const SimilarQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });
const FaceParam = z.object({ faceId: FaceId });
const PersonFaceParam = z.object({ id: z.string().min(1).max(256), faceId: FaceId });

/**
 * Routes the People page needs beyond the original API: what the backend can do, cover choice,
 * similar-people suggestions and per-face edits. Registered after the API's bearer auth. A backend
 * without an edit answers 501 `not_implemented` (and says so in /capabilities beforehand).
 */
export function pageApiRoutes(app: Hono, service: AlbumService, bucket: string): void {
  app.get('/capabilities', (c) => c.json(service.capabilities(bucket)));
  app.put('/people/:id/cover', validate('param', PersonIdParam), validate('json', CoverBody), async (c) =>
    c.json(await service.setCover(c.req.valid('param').id, c.req.valid('json').faceId)),
  );
  app.get(
    '/people/:id/similar',
    validate('param', PersonIdParam),
    validate('query', SimilarQuery),
    async (c) =>
      c.json({ items: await service.similarPeople(c.req.valid('param').id, c.req.valid('query').limit) }),
  );
  app.put('/faces/:faceId/person', validate('param', FaceParam), validate('json', AssignBody), async (c) => {
    const { faceId } = c.req.valid('param');
    const { personId } = c.req.valid('json');
    await service.assignFace(faceId, personId);
    return c.json({ faceId, personId });
  });
  app.delete('/people/:id/faces/:faceId', validate('param', PersonFaceParam), async (c) => {
    const { id, faceId } = c.req.valid('param');
    await service.rejectFace(id, faceId);
    return c.json({ personId: id, faceId, removed: true });
  });
}

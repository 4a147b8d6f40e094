import type { Hono } from 'hono';
import { z } from 'zod';
import type { AlbumService } from '../album/album-service';
import type { ApiEnv } from './api-env';
import { PersonIdParam } from './api-schemas';
import { validate } from './validation';

const FaceId = z.string().min(1).max(256);
const CoverBody = z.object({ faceId: FaceId }).strict();
const AssignBody = z.object({ personId: z.string().min(1).max(256) }).strict();
const SimilarQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });
const FaceOnlyParam = z.object({ faceId: FaceId });

/**
 * Routes the People page needs beyond the original API: what the backend can do, cover choice,
 * similar-people suggestions and giving a face to a person. Like "not this person", a route a backend
 * cannot serve is not registered (404), and /capabilities says so beforehand.
 */
export function pageApiRoutes(app: Hono<ApiEnv>, service: AlbumService, bucket: string): void {
  const can = service.capabilities(bucket);
  app.get('/capabilities', (c) => c.json(service.capabilities(bucket)));
  if (can.chooseCover)
    app.put('/people/:id/cover', validate('param', PersonIdParam), validate('json', CoverBody), async (c) =>
      c.json(await service.setCover(c.req.valid('param').id, c.req.valid('json').faceId)),
    );
  if (can.similarPeople)
    app.get(
      '/people/:id/similar',
      validate('param', PersonIdParam),
      validate('query', SimilarQuery),
      async (c) =>
        c.json({ items: await service.similarPeople(c.req.valid('param').id, c.req.valid('query').limit) }),
    );
  if (can.assignFace)
    app.put(
      '/faces/:faceId/person',
      validate('param', FaceOnlyParam),
      validate('json', AssignBody),
      async (c) => {
        const { faceId } = c.req.valid('param');
        const { personId } = c.req.valid('json');
        await service.assignFace(faceId, personId);
        return c.json({ faceId, personId });
      },
    );
}

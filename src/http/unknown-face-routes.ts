import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiEnv } from './api-env';
import { PageQuerySchema } from './api-schemas';
import { editReceipt, needs } from './route-needs';
import { validate } from './validation';

const FaceIds = z.array(z.string().min(1).max(256)).min(1).max(500);
const GroupParam = z.object({ groupId: z.string().min(1).max(32) });
const AssignFacesBody = z
  .object({
    faceIds: FaceIds,
    personId: z.string().min(1).max(256).optional(),
    newPerson: z
      .object({ name: z.string().trim().max(128).nullable().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (b) => (b.personId === undefined) !== (b.newPerson === undefined),
    'give exactly one of personId, newPerson',
  );
const NotAFaceBody = z.object({ faceIds: FaceIds, notAFace: z.boolean() }).strict();

/**
 * The "Unknown faces" review (backends that keep a grouping: local): faces no person holds in groups,
 * largest first; giving faces to a person or a new one; "not a face" and its reverse.
 */
export function unknownFaceRoutes({ bucket }: { bucket: string }): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use('/faces/unknown', needs(bucket, 'unknownFaces'));
  app.use('/faces/unknown/*', needs(bucket, 'unknownFaces'));
  app.use('/faces/assign', needs(bucket, 'unknownFaces'));
  app.use('/faces/not-a-face', needs(bucket, 'unknownFaces'));

  app.get('/faces/unknown', validate('query', PageQuerySchema), async (c) =>
    c.json(await c.get('album').listUnknownGroups(c.req.valid('query'))),
  );
  app.get(
    '/faces/unknown/:groupId',
    validate('param', GroupParam),
    validate('query', PageQuerySchema),
    async (c) =>
      c.json(await c.get('album').listUnknownGroupFaces(c.req.valid('param').groupId, c.req.valid('query'))),
  );
  app.post('/faces/assign', validate('json', AssignFacesBody), async (c) => {
    const { faceIds, personId, newPerson } = c.req.valid('json');
    const receipt = editReceipt(c);
    const target = personId !== undefined ? { personId } : { newPerson: { name: newPerson?.name || null } };
    const assigned = await c.get('album').assignFaces(faceIds, target, receipt);
    receipt.answered();
    return c.json({ personId: assigned, faceIds });
  });
  app.post('/faces/not-a-face', validate('json', NotAFaceBody), async (c) => {
    const { faceIds, notAFace } = c.req.valid('json');
    const receipt = editReceipt(c);
    const written = await c.get('album').markNotAFace(faceIds, notAFace, receipt);
    receipt.answered();
    return c.json({ faceIds: written, notAFace });
  });
  app.get('/faces/not-a-face', validate('query', PageQuerySchema), async (c) =>
    c.json(await c.get('album').listNotAFaces(c.req.valid('query'))),
  );
  return app;
}

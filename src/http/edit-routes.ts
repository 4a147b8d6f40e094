import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiEnv } from './api-env';
import { PageQuerySchema } from './api-schemas';
import { needs } from './route-needs';
import { validate } from './validation';

const EditParam = z.object({ id: z.string().min(1).max(32) });

/**
 * The edit log and undo (backends with a log: local). Every edit route answers with the entry's id in
 * X-Album-Edit-Id (route-needs.ts); `POST /edits/:id/undo` puts the album back as it was before it.
 */
export function editRoutes({ bucket }: { bucket: string }): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/edits', needs(bucket, 'undo'), validate('query', PageQuerySchema), async (c) =>
    c.json(await c.get('album').listEdits(c.req.valid('query'))),
  );
  app.post('/edits/:id/undo', needs(bucket, 'undo'), validate('param', EditParam), async (c) =>
    c.json({ edit: await c.get('album').undoEdit(c.req.valid('param').id) }),
  );
  // The page's live refresh: cheap enough to poll every few seconds (no aggregation on either backend).
  app.get('/changes', async (c) => c.json(await c.get('album').changes()));
  return app;
}

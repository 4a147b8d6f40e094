import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AlbumService } from '../album/album-service';
import { AlbumError } from '../album/errors';
import type { DetectSource } from '../album/types';
import { formatIssues } from '../schema/zod-issues';
import type { ApiEnv } from './api-env';
import { PersonIdParam } from './api-schemas';
import { PersonPhotosQuerySchema, PhotosQuerySchema, SearchBody } from './search-schemas';
import { validate } from './validation';

export interface SearchRoutesOptions {
  bucket: string;
  maxUploadBytes: number;
  tooLarge: (max: number, what: string) => () => never;
}

/**
 * Asking the album about people (docs/ask-the-album.md): photos of several people together, a person's
 * photos by date and face attributes, and "who is this?" for an image that need not be in the album.
 */
export function searchRoutes({ bucket, maxUploadBytes, tooLarge }: SearchRoutesOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/photos', validate('query', PhotosQuerySchema), async (c) =>
    c.json(await c.get('album').listPhotosWithPeople(c.req.valid('query'))),
  );

  app.get(
    '/people/:id/photos',
    validate('param', PersonIdParam),
    validate('query', PersonPhotosQuerySchema),
    async (c) => c.json(await c.get('album').listPersonPhotos(c.req.valid('param').id, c.req.valid('query'))),
  );

  app.post(
    '/people/search',
    // Refused before the body is read when the engine's line is full: a flood of searches then costs
    // the server next to nothing per refusal (each body was read and copied before).
    async (c, next) => {
      c.get('album').refuseWhenBusy();
      await next();
    },
    bodyLimit({ maxSize: maxUploadBytes, onError: tooLarge(maxUploadBytes, 'upload') }),
    async (c) => {
      const album = c.get('album');
      const source = await searchSource(c.req.raw, album, bucket);
      const faces = await album.searchFaces(source);
      if (!faces.length) throw new AlbumError('bad_request', 'no face found in the image');
      return c.json({ faces });
    },
  );
  return app;
}

/** The image to search: JSON `{ "uri" }` of a stored photo, or the bytes with an image/* content type. */
async function searchSource(req: Request, album: AlbumService, bucket: string): Promise<DetectSource> {
  const type = req.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    const parsed = SearchBody.safeParse(
      await req.json().catch(() => {
        throw new AlbumError('bad_request', 'body is not valid JSON');
      }),
    );
    if (!parsed.success)
      throw new AlbumError('bad_request', `invalid json: ${formatIssues(parsed.error, 'json')}`);
    return { kind: 'uri', uri: album.resolvePhotoUri(parsed.data.uri, bucket) };
  }
  if (type.startsWith('image/') || type === 'application/octet-stream') {
    const bytes = new Uint8Array(await req.arrayBuffer());
    if (!bytes.length) throw new AlbumError('bad_request', 'empty upload');
    return { kind: 'bytes', bytes, contentType: type };
  }
  throw new AlbumError(
    'bad_request',
    'send application/json {"uri"} or the image bytes with an image/* content type',
  );
}

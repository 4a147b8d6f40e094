import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { AlbumError } from '../../album/errors';
import { classifyPhotoKey } from '../../album/photo-filter';
import type { Logger } from '../../log/logger';
import type { PhotoFolder } from '../folder/photo-folder';
import type { PhotoStore } from '../store/photo-store';
import type { FaceThumbnails } from './face-thumbnails';
import type { LocalMediaLinks, MediaKind } from './media-links';

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  bmp: 'image/bmp',
  gif: 'image/gif',
  heic: 'image/heic',
  tiff: 'image/tiff',
  tif: 'image/tiff',
};

export interface MediaRouteDeps {
  links: LocalMediaLinks;
  folder: PhotoFolder;
  photos: PhotoStore;
  thumbnails: FaceThumbnails;
  log: Logger;
}

function parseBox(box: string | undefined) {
  const parts = (box ?? '').split(',').map(Number);
  if (
    parts.length !== 4 ||
    parts.some((n) => !Number.isInteger(n) || n < 0) ||
    parts[2]! < 1 ||
    parts[3]! < 1
  )
    return null;
  return { left: parts[0]!, top: parts[1]!, width: parts[2]!, height: parts[3]! };
}

/** GET /media/photo and /media/face: bytes for signed links (registered before the API's bearer auth). */
export function mediaRoutes(deps: MediaRouteDeps): (app: Hono) => void {
  const checked = (kind: MediaKind, query: Record<string, string>) => {
    if (!deps.links.verify(kind, query))
      throw new AlbumError('unauthorized', 'media link signature is invalid or expired');
    const key = query.key!;
    if (!classifyPhotoKey(key, '').accept) throw new AlbumError('not_found', 'not a photo');
    return key;
  };
  const resolve = async (key: string) => {
    const file = await deps.folder.resolveFile(key);
    if (!file.ok) throw new AlbumError('not_found', `photo ${key} is not available`);
    return file;
  };
  return (app) => {
    app.get('/media/photo', async (c) => {
      const key = checked('photo', c.req.query());
      const file = await resolve(key);
      const suffix = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
      const body = Readable.toWeb(createReadStream(file.path)) as ReadableStream;
      return new Response(body, {
        headers: {
          'content-type': CONTENT_TYPES[suffix] ?? 'application/octet-stream',
          'content-length': String(file.size),
          'cache-control': 'private, max-age=300',
        },
      });
    });
    app.get('/media/face', async (c) => {
      const query = c.req.query();
      const key = checked('face', query);
      const box = parseBox(query.box);
      if (!box) throw new AlbumError('bad_request', 'box must be left,top,width,height in whole pixels');
      const photo = deps.photos.photoByPath(key);
      if (!photo) throw new AlbumError('not_found', `photo ${key} is not indexed`);
      const file = await resolve(key);
      let bytes: Buffer;
      try {
        bytes = await deps.thumbnails.get(file.path, photo.hash, box);
      } catch (err) {
        deps.log.warn('media.face_crop_failed', { key, error: err });
        throw new AlbumError('not_found', 'face crop could not be cut from this photo');
      }
      return new Response(new Uint8Array(bytes), {
        headers: { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=300' },
      });
    });
  };
}

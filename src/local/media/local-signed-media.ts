import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { AlbumError } from '../../album/errors';
import { classifyPhotoKey } from '../../album/photo-filter';
import type { SignedMedia } from '../../http/signed-media';
import type { Logger } from '../../log/logger';
import type { PhotoFolder } from '../folder/photo-folder';
import type { StoredPhoto } from '../store/photo-store';
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
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  '3gp': 'video/3gpp',
  avi: 'video/x-msvideo',
  mts: 'video/mp2t',
  m2ts: 'video/mp2t',
};

export interface LocalSignedMediaDeps {
  links: LocalMediaLinks;
  folder: PhotoFolder;
  /** The indexed photo at a key (asked on every face crop, so the backend keeps recent answers). */
  indexedPhoto(key: string): StoredPhoto | null;
  /** Keys this album's links may grant (a library's folder); '' or absent: the whole folder. */
  keyPrefix?: string;
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

/** Photo bytes (streamed from the folder) and face crops (cached JPEGs) for signed local links. */
export function localSignedMedia(deps: LocalSignedMediaDeps): SignedMedia {
  const checked = (kind: MediaKind, query: Record<string, string>) => {
    // A photo of another library is not found here, whatever the link carries: the same answer as for a
    // photo that does not exist, before the signature is looked at.
    const key = query.key ?? '';
    if (deps.keyPrefix && !key.startsWith(deps.keyPrefix))
      throw new AlbumError('not_found', 'not a photo of this library');
    if (!deps.links.verify(kind, query))
      throw new AlbumError('unauthorized', 'media link signature is invalid or expired');
    if (!classifyPhotoKey(key, '').accept) throw new AlbumError('not_found', 'not a photo');
    return key;
  };
  const resolve = async (key: string) => {
    const file = await deps.folder.resolveFile(key);
    if (!file.ok) throw new AlbumError('not_found', `photo ${key} is not available`);
    return file;
  };
  // Browsers may keep the bytes while the link is valid (expiry is in epoch seconds).
  const lifetime = (query: Record<string, string>) => Number(query.exp) - Math.floor(Date.now() / 1000);
  return {
    async photo(query) {
      const key = checked('photo', query);
      const file = await resolve(key);
      const suffix = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
      return {
        contentType: CONTENT_TYPES[suffix] ?? 'application/octet-stream',
        size: file.size,
        maxAgeSeconds: lifetime(query),
        open: async () => Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>,
        openRange: async (start, end) =>
          Readable.toWeb(createReadStream(file.path, { start, end })) as ReadableStream<Uint8Array>,
      };
    },
    async poster(query) {
      const key = checked('poster', query);
      const photo = deps.indexedPhoto(key);
      if (!photo) throw new AlbumError('not_found', `video ${key} is not indexed`);
      const bytes = await deps.thumbnails.poster(photo.hash);
      if (!bytes) throw new AlbumError('not_found', `video ${key} has no poster`);
      return {
        contentType: 'image/jpeg',
        etag: `"${photo.hash.slice(0, 24)}-poster"`,
        maxAgeSeconds: lifetime(query),
        open: async () => new Uint8Array(bytes),
      };
    },
    async face(query) {
      const key = checked('face', query);
      const box = parseBox(query.box);
      if (!box) throw new AlbumError('bad_request', 'box must be left,top,width,height in whole pixels');
      const photo = deps.indexedPhoto(key);
      if (!photo) throw new AlbumError('not_found', `photo ${key} is not indexed`);
      // A crop served lately needs no file: the photo is still indexed (the index follows the folder).
      const kept = deps.thumbnails.cached(photo.hash, box);
      const file = kept ? null : await resolve(key);
      return {
        contentType: 'image/jpeg',
        // A crop is cut once per photo content and box: the ETag names exactly that.
        etag: `"${photo.hash.slice(0, 24)}-${query.box}"`,
        maxAgeSeconds: lifetime(query),
        open: async () => {
          try {
            return new Uint8Array(kept ?? (await deps.thumbnails.get(file!.path, photo.hash, box)));
          } catch (err) {
            deps.log.warn('media.face_crop_failed', { key, error: err });
            throw new AlbumError('not_found', 'face crop could not be cut from this photo');
          }
        },
      };
    },
  };
}

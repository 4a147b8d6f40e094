import type { MediaType } from './types';

/** Which object keys are photos the album indexes. */
export const IMAGE_SUFFIXES = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'heic', 'tiff', 'tif'] as const;

/** Which object keys are videos the album indexes (their people, and when they appear). */
export const VIDEO_SUFFIXES = ['mp4', 'mov', 'm4v', '3gp', 'mkv', 'webm', 'avi', 'mts', 'm2ts'] as const;

/**
 * Where the cloud keeps the frames it captures from videos (src/imm/video-frames.ts): never a photo,
 * whatever PHOTO_PREFIX says (with an empty prefix the OSS trigger fires on every frame written).
 */
export const FRAME_PREFIX = '.album-frames/';

export type PhotoKeyVerdict = { accept: true; mediaType: MediaType } | { accept: false; reason: string };

/** Whether an object key is a photo or a video of the album, by its suffix. */
export function classifyPhotoKey(key: string, prefix: string): PhotoKeyVerdict {
  if (!key.startsWith(prefix)) return { accept: false, reason: `outside PHOTO_PREFIX "${prefix}"` };
  if (key.startsWith(FRAME_PREFIX))
    return { accept: false, reason: `a video frame the album captured (${FRAME_PREFIX}), not a photo` };
  if (key.endsWith('/')) return { accept: false, reason: 'folder marker' };
  const suffix = keySuffix(key);
  if ((IMAGE_SUFFIXES as readonly string[]).includes(suffix)) return { accept: true, mediaType: 'image' };
  if ((VIDEO_SUFFIXES as readonly string[]).includes(suffix)) return { accept: true, mediaType: 'video' };
  return { accept: false, reason: suffix ? `not an image or video suffix (.${suffix})` : 'no file suffix' };
}

/** The media type a key's suffix says (videos by suffix, everything else an image). */
export function mediaTypeOfKey(key: string): MediaType {
  return (VIDEO_SUFFIXES as readonly string[]).includes(keySuffix(key)) ? 'video' : 'image';
}

function keySuffix(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot >= 0 && dot > key.lastIndexOf('/') ? key.slice(dot + 1).toLowerCase() : '';
}

export function ossUri(bucket: string, key: string): string {
  return `oss://${bucket}/${key}`;
}

export function parseOssUri(uri: string): { bucket: string; key: string } | null {
  // dotAll (s): a key may hold line breaks (\n, \r, U+2028), which `.` alone does not match.
  const m = /^oss:\/\/([^/]+)\/(.+)$/s.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}

/** Which object keys are photos the album indexes. */
export const IMAGE_SUFFIXES = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'heic', 'tiff', 'tif'] as const;

/**
 * Where the cloud keeps the frames it captures from videos (src/imm/video-frames.ts): never a photo,
 * whatever PHOTO_PREFIX says (with an empty prefix the OSS trigger fires on every frame written).
 */
export const FRAME_PREFIX = '.album-frames/';

export type PhotoKeyVerdict = { accept: true } | { accept: false; reason: string };

export function classifyPhotoKey(key: string, prefix: string): PhotoKeyVerdict {
  if (!key.startsWith(prefix)) return { accept: false, reason: `outside PHOTO_PREFIX "${prefix}"` };
  if (key.startsWith(FRAME_PREFIX))
    return { accept: false, reason: `a video frame the album captured (${FRAME_PREFIX}), not a photo` };
  if (key.endsWith('/')) return { accept: false, reason: 'folder marker' };
  const dot = key.lastIndexOf('.');
  const suffix = dot >= 0 ? key.slice(dot + 1).toLowerCase() : '';
  if (!(IMAGE_SUFFIXES as readonly string[]).includes(suffix)) {
    return { accept: false, reason: suffix ? `not an image suffix (.${suffix})` : 'no file suffix' };
  }
  return { accept: true };
}

export function ossUri(bucket: string, key: string): string {
  return `oss://${bucket}/${key}`;
}

export function parseOssUri(uri: string): { bucket: string; key: string } | null {
  const m = /^oss:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}

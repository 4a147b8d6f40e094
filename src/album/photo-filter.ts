/** Which object keys are photos the album indexes. */
export const IMAGE_SUFFIXES = ['jpg', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'heic', 'tiff', 'tif'] as const;

export type PhotoKeyVerdict = { accept: true } | { accept: false; reason: string };

export function classifyPhotoKey(key: string, prefix: string): PhotoKeyVerdict {
  if (!key.startsWith(prefix)) return { accept: false, reason: `outside PHOTO_PREFIX "${prefix}"` };
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
  // dotAll (s): a key may hold line breaks (\n, \r, U+2028), which `.` alone does not match.
  const m = /^oss:\/\/([^/]+)\/(.+)$/s.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : null;
}

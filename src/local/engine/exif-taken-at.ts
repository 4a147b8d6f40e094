import exifReader from 'exif-reader';

/**
 * EXIF DateTimeOriginal (falling back to DateTime) as an ISO string. EXIF stores local time without a zone;
 * exif-reader reads it as UTC, so the ISO string carries the camera's wall-clock time with a "Z".
 * Unreadable EXIF is ignored: a missing date never rejects a photo.
 */
export function exifTakenAt(exif: Buffer | undefined): string | null {
  if (!exif || exif.length < 8) return null;
  try {
    const tags = exifReader(exif);
    const when = tags.Photo?.DateTimeOriginal ?? tags.Image?.DateTime;
    return when instanceof Date && !Number.isNaN(when.getTime()) ? when.toISOString() : null;
  } catch {
    return null;
  }
}

import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { exifTakenAt } from './exif-taken-at';
import { type EngineInput, ImageRejectedError } from './face-engine';
import { imageSource } from './image-source';

/** Formats a photo album accepts; sharp can also render SVG/PDF, which are not photos. */
const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2', 'jxl', 'raw']);

export interface DecodedImage {
  /** Full-resolution size after EXIF orientation. */
  width: number;
  height: number;
  /** RGB pixels (3 channels, row-major) of the oriented image, downscaled so the long side ≤ detectMaxSide. */
  rgb: Buffer;
  rgbWidth: number;
  rgbHeight: number;
  /** Multiply rgb-pixel coordinates by this to get full-resolution oriented coordinates. */
  scale: number;
  takenAt: string | null;
}

export interface DecodeOptions {
  maxPixels: number;
  detectMaxSide: number;
}

async function readInput(input: EngineInput): Promise<Buffer> {
  if ('bytes' in input)
    return Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
  try {
    return await readFile(input.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      // No path in the message: it reaches API clients (POST /detect), who must not learn the server's layout.
      throw new ImageRejectedError('missing', 'file not found (deleted or renamed while being read?)');
    if (code === 'EISDIR') throw new ImageRejectedError('not_an_image', 'is a directory');
    throw err;
  }
}

/**
 * Reads, validates and decodes one photo. The header is checked BEFORE any pixel is decoded, so a small file that
 * claims 20000×20000 (decompression bomb) is rejected without allocating; sharp's limitInputPixels is the backstop.
 */
export async function decodeImage(input: EngineInput, opts: DecodeOptions): Promise<DecodedImage> {
  const buf = await readInput(input);
  if (buf.length === 0) throw new ImageRejectedError('empty', 'zero-byte file');

  const source = imageSource(buf, opts.maxPixels);
  let meta: Metadata;
  try {
    meta = await sharp(source.data, { ...source.options, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageRejectedError('not_an_image', `not a decodable image: ${(err as Error).message}`);
  }
  if (!meta.format || !PHOTO_FORMATS.has(meta.format)) {
    throw new ImageRejectedError('unsupported', `unsupported image format: ${meta.format ?? 'unknown'}`);
  }
  // sharp's prebuilt libvips reads AVIF but not HEVC-coded HEIF (iPhone HEIC): say so instead of "corrupt".
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    throw new ImageRejectedError(
      'unsupported',
      'HEIC (HEVC) photos are not supported by the local decoder; convert to JPEG',
    );
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w <= 0 || h <= 0) throw new ImageRejectedError('corrupt', 'image header has no size');
  if (w * h > opts.maxPixels) {
    throw new ImageRejectedError(
      'too_many_pixels',
      `${w}×${h} = ${w * h} pixels exceeds the limit of ${opts.maxPixels}`,
    );
  }
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? h : w;
  const height = swap ? w : h;

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(source.data, {
      ...source.options,
      limitInputPixels: opts.maxPixels,
      failOn: 'truncated',
      pages: 1,
    })
      .autoOrient()
      .resize({
        width: opts.detectMaxSide,
        height: opts.detectMaxSide,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageRejectedError('corrupt', `image data is corrupt or truncated: ${(err as Error).message}`);
  }
  const { data, info } = decoded;
  if (info.channels !== 3)
    throw new ImageRejectedError('unsupported', `unexpected channel count ${info.channels}`);
  return {
    width,
    height,
    rgb: data,
    rgbWidth: info.width,
    rgbHeight: info.height,
    scale: width / info.width,
    takenAt: exifTakenAt(meta.exif),
  };
}

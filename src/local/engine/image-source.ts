import { decode as decodeBmp } from 'bmp-ts';
import type { SharpOptions } from 'sharp';
import { ImageRejectedError } from './face-engine';

/** What to hand sharp for a photo's bytes: the bytes themselves, or decoded pixels for a format sharp cannot read. */
export interface ImageSource {
  data: Buffer;
  options: SharpOptions;
}

const isBmp = (buf: Buffer): boolean => buf.length >= 26 && buf[0] === 0x42 && buf[1] === 0x4d;

/**
 * sharp's prebuilt libvips has no BMP loader, and `.bmp` is a photo suffix the album accepts: BMP is
 * decoded here (bmp-ts, all bit depths) to raw RGBA. Its header size is checked against `maxPixels`
 * before any pixel is decoded, as sharp does for the other formats.
 */
export function imageSource(buf: Buffer, maxPixels: number): ImageSource {
  if (!isBmp(buf)) return { data: buf, options: {} };
  const width = buf.readInt32LE(18);
  const height = Math.abs(buf.readInt32LE(22));
  if (width <= 0 || height <= 0) throw new ImageRejectedError('corrupt', 'BMP header has no size');
  if (width * height > maxPixels)
    throw new ImageRejectedError(
      'too_many_pixels',
      `${width}×${height} = ${width * height} pixels exceeds the limit of ${maxPixels}`,
    );
  let pixels: { data: Buffer; width: number; height: number };
  try {
    pixels = decodeBmp(buf, { toRGBA: true });
  } catch (err) {
    throw new ImageRejectedError('corrupt', `BMP data is corrupt or truncated: ${(err as Error).message}`);
  }
  if (pixels.data.length < pixels.width * pixels.height * 4)
    throw new ImageRejectedError('corrupt', 'BMP data is truncated');
  // bmp-ts leaves alpha 0 for formats without one; the pipeline drops alpha anyway.
  return { data: pixels.data, options: { raw: { width: pixels.width, height: pixels.height, channels: 4 } } };
}

/**
 * BMP photos (a suffix the album accepts) analyse like the JPEG they were made from: sharp has no BMP
 * loader, so the engine and the face crops decode BMP themselves. The BMP is written here by hand
 * (24-bit, bottom-up, padded rows) so the test does not trust the decoder's own encoder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import { ImageRejectedError } from '../src/local/engine/face-engine';
import { imageSource } from '../src/local/engine/image-source';
import { FaceThumbnails } from '../src/local/media/face-thumbnails';

const GOOD = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev/George_W_Bush/1.jpg');

async function bmp24(jpeg: string, width?: number): Promise<Buffer> {
  const { data, info } = await sharp(jpeg)
    .resize(width ? { width } : undefined)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const row = Math.ceil((info.width * 3) / 4) * 4;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(54 + row * info.height, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(info.width, 18);
  header.writeInt32LE(info.height, 22); // positive: bottom-up rows
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  const pixels = Buffer.alloc(row * info.height);
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const src = (y * info.width + x) * 3;
      const dst = (info.height - 1 - y) * row + x * 3;
      pixels[dst] = data[src + 2]!;
      pixels[dst + 1] = data[src + 1]!;
      pixels[dst + 2] = data[src]!;
    }
  return Buffer.concat([header, pixels]);
}

let engine: LocalFaceEngine;
let tmp: string;
beforeAll(async () => {
  engine = await createFaceEngine({ workers: 1 });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'engine-bmp-'));
});
afterAll(async () => {
  await engine?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('BMP photos', () => {
  it('a 24-bit BMP finds the same face as its JPEG, and its face crop can be cut', async () => {
    // 249 px wide: rows need padding, which a decoder must skip.
    const file = path.join(tmp, 'bush.bmp');
    writeFileSync(file, await bmp24(GOOD, 249));
    const jpegFile = path.join(tmp, 'bush.jpg');
    await sharp(GOOD).resize({ width: 249 }).jpeg({ quality: 95 }).toFile(jpegFile);
    const [fromBmp, fromJpeg] = [
      await engine.analyze({ path: file }),
      await engine.analyze({ path: jpegFile }),
    ];
    expect(fromBmp.width).toBe(249);
    expect(fromBmp.faces).toHaveLength(1);
    expect(fromJpeg.faces).toHaveLength(1);
    const [a, b] = [fromBmp.faces[0]!.box, fromJpeg.faces[0]!.box];
    for (const k of ['left', 'top', 'width', 'height'] as const)
      expect(Math.abs(a[k] - b[k])).toBeLessThan(6);

    const crop = await new FaceThumbnails(path.join(tmp, 'thumbs')).get(file, 'bmp-hash', a);
    const meta = await sharp(crop).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeGreaterThan(50);
  });

  it('a BMP whose header claims too many pixels is refused before decoding; a cut-off one is corrupt', async () => {
    const bmp = await bmp24(GOOD, 64);
    const bomb = Buffer.from(bmp);
    bomb.writeInt32LE(100_000, 18);
    bomb.writeInt32LE(100_000, 22);
    expect(() => imageSource(bomb, 50_000_000)).toThrow(ImageRejectedError);
    expect(() => imageSource(bomb, 50_000_000)).toThrow(/exceeds the limit/);
    const cut = path.join(tmp, 'cut.bmp');
    writeFileSync(cut, bmp.subarray(0, 500));
    await expect(engine.analyze({ path: cut })).rejects.toMatchObject({ reason: 'corrupt' });
  });
});

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { Box } from '../../album/types';
import { imageSource } from '../engine/image-source';

/** Side of the cached face crop; enough for a people grid on a high-density screen. */
const THUMB_SIDE = 256;
/** Context kept around the tight face box, as a fraction of its size on each side. */
const MARGIN = 0.3;

/**
 * Crops served lately, least recently used first (a grid's covers are asked for again and again),
 * within one byte bound. One is shared by every album of a process (the libraries of `start
 * --libraries`), so the bound holds for the process; a crop is named by content, so sharing is safe.
 */
export class RecentCrops {
  private readonly crops = new Map<string, Buffer>();
  private bytes = 0;

  /** A crop is ~7 KB: 16 MB keeps a couple of thousand. */
  constructor(readonly maxBytes = 16 * 1024 * 1024) {}

  get(name: string): Buffer | undefined {
    const bytes = this.crops.get(name);
    if (bytes) {
      this.crops.delete(name);
      this.crops.set(name, bytes);
    }
    return bytes;
  }

  keep(name: string, bytes: Buffer): void {
    if (bytes.length > this.maxBytes) return;
    const old = this.crops.get(name);
    if (old) this.bytes -= old.length;
    this.crops.delete(name);
    this.crops.set(name, bytes);
    this.bytes += bytes.length;
    for (const [k, b] of this.crops) {
      if (this.bytes <= this.maxBytes) break;
      this.crops.delete(k);
      this.bytes -= b.length;
    }
  }
}

/**
 * Face crops cut with sharp from the EXIF-oriented photo (the engine's coordinates) and cached
 * under the data dir by content hash + box, so a crop is cut once per photo content.
 */
export class FaceThumbnails {
  constructor(
    private readonly dir: string,
    private readonly recent = new RecentCrops(),
  ) {}

  /** The crop if it was served lately: no file is read (a warm crop was six file operations). */
  cached(hash: string, box: Box): Buffer | undefined {
    return this.recent.get(cropName(hash, box));
  }

  async get(photoPath: string, hash: string, box: Box): Promise<Buffer> {
    const name = cropName(hash, box);
    const kept = this.cached(hash, box);
    if (kept) return kept;
    const file = join(this.dir, hash.slice(0, 2), name);
    try {
      return this.remember(name, await readFile(file));
    } catch {
      /* not cached yet */
    }
    const source = imageSource(await readFile(photoPath), Number.POSITIVE_INFINITY);
    const bytes = await cutCrop(sharp(source.data, { ...source.options, failOn: 'none' }).rotate(), box);
    await this.write(name, hash, bytes);
    return this.remember(name, bytes);
  }

  /**
   * Keeps the crop of a face seen in a video, cut at analysis time from the frame it was seen in (`frame`,
   * where the face is `frameBox`): served later under the face's box without decoding the video again.
   */
  async keepFromFrame(hash: string, box: Box, frame: Buffer, frameBox: Box): Promise<void> {
    const name = cropName(hash, box);
    await this.write(name, hash, await cutCrop(sharp(frame), frameBox));
  }

  /** A video's poster still, written at analysis time; null when there is none. */
  async poster(hash: string): Promise<Buffer | null> {
    try {
      return await readFile(join(this.dir, hash.slice(0, 2), posterName(hash)));
    } catch {
      return null;
    }
  }

  async keepPoster(hash: string, jpeg: Buffer): Promise<void> {
    await this.write(posterName(hash), hash, jpeg);
  }

  private async write(name: string, hash: string, bytes: Buffer): Promise<void> {
    const file = join(this.dir, hash.slice(0, 2), name);
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    // Write-then-rename: a concurrent reader never sees half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }

  private remember(name: string, bytes: Buffer): Buffer {
    this.recent.keep(name, bytes);
    return bytes;
  }
}

/** The face crop of `box` in an (already oriented) image. */
async function cutCrop(image: Sharp, box: Box): Promise<Buffer> {
  const meta = await image.metadata();
  // EXIF orientations 5-8 turn the image a quarter, swapping its sides.
  const turned = (meta.orientation ?? 1) >= 5;
  const width = (turned ? meta.height : meta.width) ?? 0,
    height = (turned ? meta.width : meta.height) ?? 0;
  const mx = box.width * MARGIN,
    my = box.height * MARGIN;
  const left = Math.max(0, Math.floor(box.left - mx)),
    top = Math.max(0, Math.floor(box.top - my));
  const right = Math.min(width, Math.ceil(box.left + box.width + mx)),
    bottom = Math.min(height, Math.ceil(box.top + box.height + my));
  if (right - left < 1 || bottom - top < 1) throw new RangeError('face box lies outside the photo');
  return (
    image
      .extract({ left, top, width: right - left, height: bottom - top })
      .resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside', withoutEnlargement: true })
      // mozjpeg at quality 80 (sharp's libvips ships it): ~28 % fewer bytes than libjpeg at 85 for the
      // same look at grid size (6.7 against 9.3 KB on 20 faces-dev crops); a grid of 50 faces loads faster.
      .jpeg({ quality: 80, mozjpeg: true })
      .toBuffer()
  );
}

const posterName = (hash: string) => `${hash}-poster.jpg`;

/** A crop is named by the photo's content and the box: the same bytes whichever file holds them. */
const cropName = (hash: string, box: Box) => `${hash}-${box.left}_${box.top}_${box.width}_${box.height}.jpg`;

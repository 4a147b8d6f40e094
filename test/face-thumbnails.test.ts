/**
 * Face crops (local/media/face-thumbnails) on a real faces-dev photo: cut once, kept on disk, and the
 * ones served lately kept in memory within a byte bound, so a warm crop reads no file.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceThumbnails, RecentCrops } from '../src/local/media/face-thumbnails';

const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const work = mkdtempSync(join(tmpdir(), 'fa-thumbs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const box = { left: 60, top: 60, width: 110, height: 120 };
const other = { left: 70, top: 50, width: 100, height: 110 };

function photoCopy(name: string): string {
  const file = join(work, name);
  copyFileSync(join(DEV, 'AJ_Cook', '1.jpg'), file);
  return file;
}

describe('FaceThumbnails', () => {
  it('cuts a crop once, then answers from memory without the photo or the cached file', async () => {
    const dir = join(work, 'thumbs-a');
    const thumbs = new FaceThumbnails(dir);
    const photo = photoCopy('a.jpg');
    expect(thumbs.cached('hash-a', box)).toBeUndefined();
    const bytes = await thumbs.get(photo, 'hash-a', box);
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
    expect(thumbs.cached('hash-a', box)?.equals(bytes)).toBe(true);
    // Neither the photo nor the crop file is read again.
    rmSync(photo);
    rmSync(dir, { recursive: true });
    expect((await thumbs.get(photo, 'hash-a', box)).equals(bytes)).toBe(true);
    // Another box of the same photo is another crop.
    expect(thumbs.cached('hash-a', other)).toBeUndefined();
  });

  it('keeps only what fits in its bound, least recently served first out; the disk copy stays', async () => {
    const dir = join(work, 'thumbs-b');
    const photo = photoCopy('b.jpg');
    const probe = await new FaceThumbnails(join(work, 'probe')).get(photo, 'h', box);
    // Room for two crops of this size, not three.
    const thumbs = new FaceThumbnails(dir, new RecentCrops(Math.floor(probe.length * 2.5)));
    const a = await thumbs.get(photo, 'hash-1', box);
    await thumbs.get(photo, 'hash-2', box);
    expect(thumbs.cached('hash-1', box)).toBeDefined(); // hash-1 is now the most recent
    await thumbs.get(photo, 'hash-3', box);
    expect(thumbs.cached('hash-2', box)).toBeUndefined();
    expect(thumbs.cached('hash-1', box)).toBeDefined();
    expect(thumbs.cached('hash-3', box)).toBeDefined();
    // Out of memory is not gone: read back from the data dir, and kept in memory again.
    expect(readdirSync(join(dir, 'ha')).length).toBe(3);
    rmSync(photo);
    const again = await thumbs.get(photo, 'hash-2', box);
    expect(thumbs.cached('hash-2', box)?.equals(again)).toBe(true);
    expect(existsSync(photo)).toBe(false);
    expect(a.length).toBe(again.length);
  });

  it('holds one bound for the albums that share it (the libraries of one process)', async () => {
    const photo = photoCopy('c.jpg');
    const probe = await new FaceThumbnails(join(work, 'probe-c')).get(photo, 'h', box);
    const shared = new RecentCrops(Math.floor(probe.length * 1.5));
    const alice = new FaceThumbnails(join(work, 'alice'), shared);
    const bob = new FaceThumbnails(join(work, 'bob'), shared);
    await alice.get(photo, 'hash-alice', box);
    expect(alice.cached('hash-alice', box)).toBeDefined();
    await bob.get(photo, 'hash-bob', box);
    expect(bob.cached('hash-bob', box)).toBeDefined();
    expect(alice.cached('hash-alice', box)).toBeUndefined();
  });
});

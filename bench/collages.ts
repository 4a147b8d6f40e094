/**
 * Benchmark photos made from faces-dev: ~2-megapixel group photos (1728×1152 collages of dev portraits), written
 * once to .bench/collages/<grid>/ (git-ignored). Grid 1x1 = one upscaled portrait (1 face), 3x1 = 3 faces,
 * 2x2 = 4, 3x2 = 6 faces per photo.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const ROOT = path.resolve(import.meta.dirname, '..');
export const DEV = path.resolve(ROOT, '../shared/datasets/faces-dev');
const OUT = path.join(ROOT, '.bench', 'collages');
export const COLLAGE_W = 1728;
export const COLLAGE_H = 1152;

export function manifestPaths(): string[] {
  return readFileSync(path.join(DEV, 'MANIFEST.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(',')[0]!)
    .filter((p) => p?.endsWith('.jpg'));
}

export function evenlySpaced<T>(xs: T[], n: number): T[] {
  if (n >= xs.length) return xs;
  const step = xs.length / n;
  return Array.from({ length: n }, (_, i) => xs[Math.floor(i * step)]!);
}

export async function makeCollages(grid: string, count: number): Promise<string[]> {
  const [cols, rows] = grid.split('x').map(Number) as [number, number];
  const dir = path.join(OUT, grid);
  mkdirSync(dir, { recursive: true });
  const lfw = manifestPaths().filter((p) => !p.startsWith('_'));
  const tiles = evenlySpaced(lfw, count * cols * rows);
  const tw = Math.floor(COLLAGE_W / cols);
  const th = Math.floor(COLLAGE_H / rows);
  const files: string[] = [];
  for (let c = 0; c < count; c++) {
    const file = path.join(dir, `${c}.jpg`);
    files.push(file);
    if (existsSync(file)) continue;
    const composite = await Promise.all(
      Array.from({ length: cols * rows }, async (_, i) => ({
        input: await sharp(path.join(DEV, tiles[(c * cols * rows + i) % tiles.length]!))
          .resize(tw, th, { fit: 'cover' })
          .toBuffer(),
        left: (i % cols) * tw,
        top: Math.floor(i / cols) * th,
      })),
    );
    await sharp({
      create: { width: COLLAGE_W, height: COLLAGE_H, channels: 3, background: { r: 40, g: 40, b: 40 } },
    })
      .composite(composite)
      .jpeg({ quality: 90 })
      .toFile(file);
  }
  return files;
}

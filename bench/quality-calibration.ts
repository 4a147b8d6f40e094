/**
 * Calibrates SHARPNESS_K (src/local/engine/face-quality.ts): raw variance of the Laplacian of the centre face on
 * LFW dev photos, as-is and after Gaussian blur σ = 1, 2, 3. Usage: tsx bench/quality-calibration.ts [--limit 80]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_DETECT_MAX_SIDE } from '../src/local/engine/create-face-engine';
import { FaceAnalyzer } from '../src/local/engine/face-analyzer';
import { faceQuality, SHARPNESS_K, sharpnessFromVarLap } from '../src/local/engine/face-quality';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const limitArg = process.argv.indexOf('--limit');
const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : 80;

const rows = readFileSync(path.join(DEV, 'MANIFEST.csv'), 'utf8').split('\n').slice(1);
const lfw = rows
  .filter((r) => r.includes('src=') && !r.includes('extra') && !r.startsWith('_'))
  .map((r) => r.split(',')[0]!);
const step = Math.max(1, Math.floor(lfw.length / limit));
const sample = lfw.filter((_, i) => i % step === 0).slice(0, limit);

const analyzer = await FaceAnalyzer.create({ maxPixels: 100e6, detectMaxSide: DEFAULT_DETECT_MAX_SIDE });
const variants: Record<string, number[]> = { original: [], 'blur σ=1': [], 'blur σ=2': [], 'blur σ=3': [] };
const quality: Record<string, number[]> = { original: [], 'blur σ=1': [], 'blur σ=2': [], 'blur σ=3': [] };
const sizes: number[] = [];
for (const rel of sample) {
  const bytes = readFileSync(path.join(DEV, rel));
  for (const [name, sigma] of [
    ['original', 0],
    ['blur σ=1', 1],
    ['blur σ=2', 2],
    ['blur σ=3', 3],
  ] as const) {
    const input = sigma === 0 ? bytes : await sharp(bytes).blur(sigma).jpeg({ quality: 95 }).toBuffer();
    const r = await analyzer.analyze({ bytes: input });
    // The labelled LFW face is the one nearest the centre.
    let best = -1;
    let bestD = Infinity;
    r.photo.faces.forEach((f, i) => {
      const d = Math.hypot(f.box.left + f.box.width / 2 - 125, f.box.top + f.box.height / 2 - 125);
      if (d < bestD) [best, bestD] = [i, d];
    });
    if (best < 0 || bestD > 40) continue;
    const f = r.photo.faces[best]!;
    variants[name]!.push(r.varLaps[best]!);
    quality[name]!.push(
      faceQuality(sharpnessFromVarLap(r.varLaps[best]!), Math.min(f.box.width, f.box.height), f.confidence),
    );
    if (sigma === 0) sizes.push(Math.min(f.box.width, f.box.height));
  }
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (xs: number[]) => [5, 10, 50, 90, 95].map((p) => pct(xs, p).toFixed(2)).join(' / ');
console.log(
  `photos ${sample.length}, K = ${SHARPNESS_K}; tight-box short side p5/p10/p50/p90/p95: ${fmt(sizes)}`,
);
for (const name of Object.keys(variants)) {
  const q = quality[name]!;
  console.log(
    `${name.padEnd(9)} n=${variants[name]!.length} varLap ${fmt(variants[name]!)} | quality ${fmt(q)} | >0.8: ${(q.filter((x) => x > 0.8).length / q.length).toFixed(2)}`,
  );
}

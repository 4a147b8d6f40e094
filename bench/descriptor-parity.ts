/**
 * The recognition net on onnxruntime-node against face-api on tfjs-wasm, on every photo of faces-dev
 * (npm run bench:descriptor-parity). Both engines see the same photos and detect the same faces (Human on tfjs-wasm
 * in both); only the runtime of the recognition net differs. Prints the largest per-component difference and the
 * largest euclidean distance between a face's two descriptors, against the stated tolerance
 * (max |Δ| ≤ 1e-4, euclidean ≤ 1e-3; docs/engine-onnx.md), and how far age (years, as stored: rounded to 0.1) and
 * gender moved with the age/gender net on the same runtime. Exit code 1 when a descriptor is over the tolerance.
 *
 * Flags: --skip N  --limit N (photos N+1… of the manifest, at most N)  --workers 1 (per engine)
 * A progress line with the figures so far every 250 photos: a run stopped early still says what it covered.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFaceEngine } from '../src/local/engine/create-face-engine';
import type { AnalyzedPhoto } from '../src/local/engine/face-engine';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const MAX_ABS = 1e-4;
const MAX_EUCLID = 1e-3;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const files = readFileSync(path.join(DEV, 'MANIFEST.csv'), 'utf8')
  .split(/\r?\n/)
  .slice(1)
  .map((l) => l.split(',')[0]!)
  .filter((p) => p?.endsWith('.jpg'))
  .slice(Number(flag('skip', '0')))
  .slice(0, Number(flag('limit', '1000000')));
const workers = Number(flag('workers', '1'));

const [onnx, tfjs] = await Promise.all([
  createFaceEngine({ workers, recognitionRuntime: 'onnx' }),
  createFaceEngine({ workers, recognitionRuntime: 'tfjs' }),
]);
let faces = 0;
let photos = 0;
let countMismatch = 0;
let over = 0;
let maxAbs = 0;
let maxEuclid = 0;
let maxAgeDelta = 0;
let genderMismatches = 0;
const euclids: number[] = [];
const t0 = performance.now();
try {
  const queue = [...files];
  const step = async () => {
    for (let rel = queue.shift(); rel; rel = queue.shift()) {
      const input = { path: path.join(DEV, rel) };
      let a: AnalyzedPhoto;
      let b: AnalyzedPhoto;
      try {
        [a, b] = await Promise.all([onnx.analyze(input), tfjs.analyze(input)]);
      } catch {
        continue; // rejected by both the same way: nothing to compare
      }
      photos++;
      if (a.faces.length !== b.faces.length) {
        countMismatch++;
        continue;
      }
      a.faces.forEach((fa, i) => {
        const fb = b.faces[i]!;
        let sq = 0;
        let worst = 0;
        for (let k = 0; k < fa.embedding.length; k++) {
          const d = Math.abs(fa.embedding[k]! - fb.embedding[k]!);
          worst = Math.max(worst, d);
          sq += d * d;
        }
        const e = Math.sqrt(sq);
        maxAgeDelta = Math.max(maxAgeDelta, Math.abs((fa.age ?? 0) - (fb.age ?? 0)));
        if (fa.gender !== fb.gender) genderMismatches++;
        euclids.push(e);
        faces++;
        maxAbs = Math.max(maxAbs, worst);
        maxEuclid = Math.max(maxEuclid, e);
        if (worst > MAX_ABS || e > MAX_EUCLID) {
          over++;
          console.log(
            `over tolerance: ${rel} face ${i}: max|Δ| ${worst.toExponential(2)}, euclid ${e.toExponential(2)}`,
          );
        }
      });
      if (photos % 250 === 0) console.log(`# ${JSON.stringify(summary())}`);
    }
  };
  await Promise.all(Array.from({ length: 2 * workers }, step));
} finally {
  await Promise.all([onnx.close(), tfjs.close()]);
}
console.log(JSON.stringify(summary()));
if (over > 0 || countMismatch > 0) process.exitCode = 1;

function summary(): Record<string, unknown> {
  const sorted = [...euclids].sort((x, y) => x - y);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return {
    photos,
    faces,
    faceCountMismatches: countMismatch,
    maxAbsDelta: maxAbs,
    maxEuclid,
    euclidP50: q(0.5),
    euclidP99: q(0.99),
    overTolerance: over,
    maxAgeDelta,
    genderMismatches,
    tolerance: { maxAbs: MAX_ABS, maxEuclid: MAX_EUCLID },
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}

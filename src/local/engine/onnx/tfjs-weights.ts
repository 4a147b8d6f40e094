/** tfjs layers-model weights (a weights manifest + .bin shards) read into float32 arrays, for the ONNX generators. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'uint16'; scale: number; min: number } | { dtype: 'float16' };
}

/** A weights manifest group: .bin shards and the tensors they hold, in order. */
export interface WeightGroup {
  paths: string[];
  weights: ManifestEntry[];
}

/** IEEE 754 half → float. */
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - 15) * (1 + f / 1024);
}

/** tfjs weights, dequantized exactly as tfjs does (v × scale + min, rounded to float32). */
export type Weights = Map<string, { shape: number[]; values: Float32Array }>;

export function readTfjsWeights(modelDir: string, manifestFile: string): Weights {
  const groups = JSON.parse(readFileSync(path.join(modelDir, manifestFile), 'utf8')) as WeightGroup[];
  return readWeightGroups(modelDir, groups, manifestFile);
}

/** The tensors of manifest groups (a layers model's manifest file, or a graph model's `weightsManifest`). */
export function readWeightGroups(modelDir: string, groups: WeightGroup[], source: string): Weights {
  const out: Weights = new Map();
  for (const g of groups) {
    const bin = Buffer.concat(g.paths.map((p) => readFileSync(path.join(modelDir, p))));
    let at = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      const q = w.quantization;
      if (!q) {
        // Copy: the bin buffer's offset need not be 4-byte aligned.
        values.set(new Float32Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + 4 * n)));
        at += 4 * n;
      } else if (q.dtype === 'float16') {
        for (let i = 0; i < n; i++) values[i] = half(bin.readUInt16LE(at + 2 * i));
        at += 2 * n;
      } else {
        const wide = q.dtype === 'uint16';
        for (let i = 0; i < n; i++) {
          values[i] = (wide ? bin.readUInt16LE(at + 2 * i) : bin[at + i]!) * q.scale + q.min;
        }
        at += (wide ? 2 : 1) * n;
      }
      out.set(w.name, { shape: w.shape, values });
    }
    if (at !== bin.length)
      throw new Error(`${source}: ${bin.length - at} bytes not described by the manifest`);
  }
  return out;
}

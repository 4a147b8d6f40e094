/** tfjs layers-model weights (a weights manifest + .bin shards) read into float32 arrays, for the ONNX generators. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'uint16'; scale: number; min: number };
}

/** tfjs weights, dequantized exactly as tfjs does (v × scale + min, rounded to float32). */
export type Weights = Map<string, { shape: number[]; values: Float32Array }>;

export function readTfjsWeights(modelDir: string, manifestFile: string): Weights {
  const groups = JSON.parse(readFileSync(path.join(modelDir, manifestFile), 'utf8')) as {
    paths: string[];
    weights: ManifestEntry[];
  }[];
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
      throw new Error(`${manifestFile}: ${bin.length - at} bytes not described by the manifest`);
  }
  return out;
}

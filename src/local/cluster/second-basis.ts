/**
 * A principal-component basis for the second embedding (Human's 1024-d faceres vector): a mean and k unit
 * components. The clusterer sees faceres projected onto it, so a fused vector is 128 + k long instead of
 * 1,152: a 100k-face re-cluster with the whole vector took 65 s against 21 s at 128-d (bench:cluster --fused),
 * and most of faceres' identity signal lies in few directions.
 *
 * File format (little-endian float32): dim, k, then the mean (dim values), then k components (dim values each).
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface SecondBasis {
  dim: number;
  k: number;
  mean: Float32Array;
  /** k rows of dim values, row-major. */
  components: Float32Array;
}

/** The projection of `v` (dim values) onto the basis: k values. */
export function projectOnBasis(basis: SecondBasis, v: ArrayLike<number>): Float32Array {
  const { dim, k, mean, components } = basis;
  if (v.length !== dim) throw new Error(`second vector has ${v.length} values, the basis wants ${dim}`);
  const out = new Float32Array(k);
  for (let j = 0; j < k; j++) {
    let d = 0;
    const row = j * dim;
    for (let i = 0; i < dim; i++) d += components[row + i]! * (v[i]! - mean[i]!);
    out[j] = d;
  }
  return out;
}

export function readSecondBasis(file: string): SecondBasis {
  const buf = readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const dim = all[0]!;
  const k = all[1]!;
  if (!(Number.isInteger(dim) && Number.isInteger(k) && all.length === 2 + dim * (k + 1)))
    throw new Error(`${file} is not a second-embedding basis (dim ${dim}, k ${k}, ${all.length} values)`);
  return { dim, k, mean: all.slice(2, 2 + dim), components: all.slice(2 + dim) };
}

export function writeSecondBasis(file: string, basis: SecondBasis): void {
  const all = new Float32Array(2 + basis.dim * (basis.k + 1));
  all[0] = basis.dim;
  all[1] = basis.k;
  all.set(basis.mean, 2);
  all.set(basis.components, 2 + basis.dim);
  writeFileSync(file, Buffer.from(all.buffer));
}

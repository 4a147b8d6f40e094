/**
 * A second embedding for the cross-validation (issue 17): Human's 1024-d `faceres` vector of every face of the
 * bench analyses.db, and the fused vectors bench:quality --folds clusters when given `--second`.
 *
 * Fusion is concatenation: [√w · a, s · √(1 − w) · b] for face-api's 128-d `a` and faceres' unit `b`, so a
 * squared distance is w · d_a² + (1 − w) · s² · d_b², and the clusterer's average linkage, ratio tests and
 * thresholds run unchanged on the blend. `s` brings faceres' euclidean distances (same person ~0.66) to
 * face-api's scale (~0.43). `proj` > 0 first maps `b` to that many dimensions by a seeded Gaussian random
 * projection (what a 100k-face album could afford in memory and index time).
 */
import Database from 'better-sqlite3';
import { mulberry32 } from '../test/support/synthetic-faces';
import type { ExportPhoto } from './quality-score';

export interface Fusion {
  w: number;
  s: number;
  proj: number;
  /** Seed of the projection. */
  seed: number;
}

/** `w,s[,proj[,seed]]` → Fusion. */
export function parseFusion(v: string): Fusion {
  const [w, s, proj = 0, seed = 17] = v.split(',').map(Number);
  if (!(w! > 0 && w! < 1) || !(s! > 0) || !Number.isInteger(proj) || proj < 0)
    throw new Error(`--fuse takes w,s[,proj[,seed]] with 0 < w < 1, s > 0, proj a whole number; not ${v}`);
  return { w: w!, s: s!, proj, seed };
}

/** The second vectors (unit length) of a file made by bench/second-vectors.ts, keyed `path#idx`. */
export function readSecondVectors(file: string): Map<string, Float32Array> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out = new Map<string, Float32Array>();
    const rows = db.prepare('SELECT path, idx, embedding FROM second WHERE embedding IS NOT NULL').all() as {
      path: string;
      idx: number;
      embedding: Buffer;
    }[];
    for (const r of rows) {
      const e = r.embedding;
      const v = new Float32Array(e.buffer.slice(e.byteOffset, e.byteOffset + e.byteLength));
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n);
      for (let i = 0; i < v.length; i++) v[i]! /= n;
      out.set(`${r.path}#${r.idx}`, v);
    }
    return out;
  } finally {
    db.close();
  }
}

/** A seeded Gaussian projection of `dim`-d vectors to `proj` dimensions (distances kept in expectation). */
function projector(dim: number, proj: number, seed: number): (v: Float32Array) => Float32Array {
  const rnd = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const rows = Array.from({ length: proj }, () => Float32Array.from({ length: dim }, gauss));
  const k = 1 / Math.sqrt(proj);
  return (v) =>
    Float32Array.from(rows, (r) => {
      let d = 0;
      for (let i = 0; i < dim; i++) d += r[i]! * v[i]!;
      return d * k;
    });
}

/**
 * The photos with every face's embedding replaced by its fused vector, and that vector's length. A face
 * with an embedding but no second vector is an error: the second file was made from another analyses.db.
 */
export function fusePhotos(
  photos: ExportPhoto[],
  second: Map<string, Float32Array>,
  f: Fusion,
): { photos: ExportPhoto[]; dim: number } {
  let project: ((v: Float32Array) => Float32Array) | null = null;
  let dim = 0;
  const out = photos.map((p) => ({
    ...p,
    faces: p.faces.map((face) => {
      if (!face.embedding || face.embedding.length === 0) return face;
      const b0 = second.get(`${p.path}#${face.idx}`);
      if (!b0)
        throw new Error(`no second vector for ${p.path} face ${face.idx}: remake it from this analyses.db`);
      project ??= f.proj > 0 ? projector(b0.length, f.proj, f.seed) : (v) => v;
      const b = project(b0);
      const a = face.embedding;
      const v = new Array<number>(a.length + b.length);
      const wa = Math.sqrt(f.w);
      const wb = f.s * Math.sqrt(1 - f.w);
      for (let i = 0; i < a.length; i++) v[i] = a[i]! * wa;
      for (let i = 0; i < b.length; i++) v[a.length + i] = b[i]! * wb;
      dim = v.length;
      return { ...face, embedding: v };
    }),
  }));
  return { photos: out, dim };
}

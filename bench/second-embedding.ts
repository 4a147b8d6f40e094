/**
 * A second embedding for the cross-validation (issue 17): Human's 1024-d `faceres` vector of every face, and
 * the fused vectors bench:quality --folds clusters.
 *
 * Fusion is concatenation: [√w · a, s · √(1 − w) · b] for face-api's 128-d `a` and faceres' unit `b`, so a
 * squared distance is w · d_a² + (1 − w) · s² · d_b², and the clusterer's average linkage, ratio tests and
 * thresholds run unchanged on the blend. `s` brings faceres' euclidean distances (same person ~0.66) to
 * face-api's scale (~0.43). `pca` > 0 first projects `b` onto its top principal components (what a 100k-face
 * album can afford: bench:cluster --fused), fitted per fold on the OTHER folds' faces only, so a fold is never
 * scored with a basis that saw it.
 */

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fuse } from '../src/local/cluster/fused-vectors';
import {
  projectOnBasis,
  readSecondBasis,
  type SecondBasis,
  writeSecondBasis,
} from '../src/local/cluster/second-basis';
import type { ExportPhoto } from './quality-score';
import { fitSecondBasis } from './second-basis-fit';

export interface Fusion {
  w: number;
  s: number;
  /** Principal components kept of the second vector (0 = all of it). */
  pca: number;
}

/** `w,s[,pca]` → Fusion. */
export function parseFusion(v: string): Fusion {
  const [w, s, pca = 0] = v.split(',').map(Number);
  if (!(w! > 0 && w! < 1) || !(s! > 0) || !Number.isInteger(pca) || pca < 0)
    throw new Error(`--fuse takes w,s[,pca] with 0 < w < 1, s > 0, pca a whole number; not ${v}`);
  return { w: w!, s: s!, pca };
}

/**
 * The second vectors of an album.db whose engine made them (`analysis_faces.second`, unit length as the
 * engine stores them and the album fuses them), keyed `path#idx`.
 */
export function readSecondVectors(file: string): Map<string, Float32Array> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT p.path, af.idx, af.second AS v FROM photos p JOIN analysis_faces af ON af.hash = p.hash
         WHERE af.second IS NOT NULL`,
      )
      .all() as { path: string; idx: number; v: Buffer }[];
    return new Map(
      rows.map((r) => [
        `${r.path}#${r.idx}`,
        new Float32Array(r.v.buffer.slice(r.v.byteOffset, r.v.byteOffset + r.v.byteLength)),
      ]),
    );
  } finally {
    db.close();
  }
}

/** The photos with every face's embedding replaced by its fused vector (the album's `fuse`). */
function fusePhotos(
  photos: ExportPhoto[],
  second: Map<string, Float32Array>,
  f: Fusion,
  basis: SecondBasis | null,
): ExportPhoto[] {
  return photos.map((p) => ({
    ...p,
    faces: p.faces.map((face) => {
      if (!face.embedding || face.embedding.length === 0) return face;
      const b = second.get(`${p.path}#${face.idx}`);
      if (!b)
        throw new Error(`no second vector for ${p.path} face ${face.idx}: remake it from this analyses.db`);
      const v = fuse(Float32Array.from(face.embedding), basis ? projectOnBasis(basis, b) : b, f);
      return { ...face, embedding: Array.from(v) };
    }),
  }));
}

/**
 * Fused photos per fold: `forFold(fold, photos)` fuses a fold's photos, projecting the second vectors onto
 * a basis fitted on the faces of `training(fold)` (the other folds' photos) when `f.pca` > 0. One basis per
 * fold, shared by every scenario and candidate.
 */
export function foldFusion(
  second: Map<string, Float32Array>,
  f: Fusion,
  training: (fold: number) => ExportPhoto[],
  /** Where fitted bases are kept between runs (`<cache>-k<k>-fold<f>.bin`); a fit takes ~20 s. */
  cache: string,
): {
  dim: (photos: ExportPhoto[]) => number;
  forFold: (fold: number, photos: ExportPhoto[]) => ExportPhoto[];
} {
  const bases = new Map<number, SecondBasis>();
  const basisOf = (fold: number): SecondBasis | null => {
    if (f.pca === 0) return null;
    let b = bases.get(fold);
    const file = `${cache}-k${f.pca}-fold${fold}.bin`;
    if (!b && existsSync(file)) b = readSecondBasis(file);
    if (!b) {
      const vectors = training(fold).flatMap((p) =>
        p.faces.flatMap((face) => {
          const v = face.embedding?.length ? second.get(`${p.path}#${face.idx}`) : undefined;
          return v ? [v] : [];
        }),
      );
      const t0 = performance.now();
      b = fitSecondBasis(vectors, f.pca);
      console.log(
        `  fold ${fold}: ${f.pca} components fitted on ${vectors.length} faces of the other folds (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      writeSecondBasis(file, b);
    }
    bases.set(fold, b);
    return b;
  };
  return {
    dim: (photos) => {
      const a = photos.flatMap((p) => p.faces).find((face) => face.embedding?.length)?.embedding?.length ?? 0;
      const b = f.pca || (second.values().next().value?.length ?? 0);
      return a + b;
    },
    forFold: (fold, photos) => fusePhotos(photos, second, f, basisOf(fold)),
  };
}

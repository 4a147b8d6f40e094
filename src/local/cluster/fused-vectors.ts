/**
 * Clustering on two identity vectors at once (issue 17, docs/clustering-quality.md "Fused vectors: the
 * album's default"): face-api's 128-d descriptor `a` and Human's 1024-d unit faceres vector
 * (DetectedFace.second) projected onto 128 principal components, `b`, concatenated as [√w·a, s·√(1−w)·b].
 * A squared distance is then w·d_a² + (1−w)·s²·d_b²: a blend on face-api's scale, so every rule and
 * threshold of the clusterer runs unchanged. Across folds of faces-dev it puts fewer strangers into people
 * and mixes fewer people than face-api's vectors alone. An album clusters on them only when every face it
 * clusters has a second vector (the store's everyFaceHasSecond): one pass never mixes the two kinds.
 */
import { fileURLToPath } from 'node:url';
import type { VectorKind } from './cluster-types';
import { type ClustererOptions, DEFAULT_CLUSTER_OPTIONS } from './person-clusterer';
import { projectOnBasis, readSecondBasis, type SecondBasis } from './second-basis';

/** The blend's weight of face-api's distance (w) and faceres' scale (s). */
export const FUSION = { w: 0.6, s: 0.72 };

const FACE_API_DIM = 128;
const SECOND_DIM = 1024;
/**
 * faceres is projected onto its top principal components first (faceres-basis.bin, made by
 * `npm run bench:second-basis` from faces-dev's faces): 1,152-d vectors took a 100k-face re-cluster from
 * 21 s to 65 s, 128 + 128 takes 26 s (bench:cluster --fused); with `s` chosen again for the projection the
 * folds scored as well as on the whole vector (docs/clustering-quality.md).
 */
export const SECOND_COMPONENTS = 128;
export const FUSED_DIM = FACE_API_DIM + SECOND_COMPONENTS;

let basis: SecondBasis | null = null;
/** The shipped basis, read on first use (a constant of the album, like its thresholds). */
export function faceresBasis(): SecondBasis {
  if (!basis) {
    const b = readSecondBasis(fileURLToPath(new URL('./faceres-basis.bin', import.meta.url)));
    if (b.dim !== SECOND_DIM || b.k !== SECOND_COMPONENTS)
      throw new Error(
        `faceres-basis.bin has ${b.k} components of ${b.dim}, want ${SECOND_COMPONENTS} of ${SECOND_DIM}`,
      );
    basis = b;
  }
  return basis;
}

/** [√w·a, s·√(1−w)·b]: one face's fused vector (`b`: faceres, or its projection). */
export function fuse(
  a: Float32Array,
  b: Float32Array,
  fusion: { w: number; s: number } = FUSION,
): Float32Array {
  const out = new Float32Array(a.length + b.length);
  const wa = Math.sqrt(fusion.w);
  const wb = fusion.s * Math.sqrt(1 - fusion.w);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * wa;
  for (let i = 0; i < b.length; i++) out[a.length + i] = b[i]! * wb;
  return out;
}

/**
 * The clusterer's options on fused vectors: the defaults at the fused length, with the ratio test at 0.85
 * (0.86 on face-api's). Chosen across folds of faces-dev (docs/clustering-quality.md): on 5 folds as good
 * as 0.86 (strangers placed 0.9 % / 1.9 % worst, stranger-heavy 0.9 % / 1.1 %) for −0.001 / −0.006 mean R;
 * on 2 folds (albums twice as large) 1.5 → 1.1 % and 2.3 → 1.9 % worst on ordinary albums.
 */
export const FUSED_CLUSTER_OPTIONS: ClustererOptions = {
  ...DEFAULT_CLUSTER_OPTIONS,
  dim: FUSED_DIM,
  ratioTest: { rank: 4, ratio: 0.85 },
};

/**
 * A session's options for `vectors`: the caller's overrides on top of that kind's defaults; the length
 * is always the kind's (a caller's thresholds carry over, a vector length cannot).
 */
export function clusterOptionsFor(
  vectors: VectorKind,
  overrides: Partial<ClustererOptions>,
): Partial<ClustererOptions> {
  return vectors === 'fused' ? { ...FUSED_CLUSTER_OPTIONS, ...overrides, dim: FUSED_DIM } : overrides;
}

/** Length of the vectors of `kind` (FUSED_DIM, or face-api's unless the caller's options say otherwise). */
export const dimOf = (vectors: VectorKind, opts: Partial<ClustererOptions>): number =>
  vectors === 'fused' ? FUSED_DIM : (opts.dim ?? DEFAULT_CLUSTER_OPTIONS.dim);

/** Fused vectors of the faces that have both (the store's vectorPairsOf). */
export function fusedVectors(
  pairs: Map<number, { embedding: Float32Array; second: Float32Array }>,
): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  // A vector of another length (not the engine's contract) would fail the whole pass: leave the face out.
  const b = faceresBasis();
  for (const [id, { embedding, second }] of pairs)
    if (embedding.length === FACE_API_DIM && second.length === SECOND_DIM)
      out.set(id, fuse(embedding, projectOnBasis(b, second)));
  return out;
}

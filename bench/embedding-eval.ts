/**
 * Identity-embedding quality of the local engine per descriptor alignment (npm run bench:embedding).
 *
 * Fixed subset of faces-dev, the same photos for every variant: the first 4 photos (by file number) of every identity
 * with ≥ 4 photos, plus every distractor (identities with 1–2 photos). The labelled face is the detected face nearest
 * the image centre. Over all labelled pairs it prints AUC, TPR at FPR 1e-3 / 1e-2 (threshold = that quantile of the
 * different-person distances), same-person p5/p50/p95, different-person p0.1/p1/p5, and CPU ms per face of the
 * describe stage (crops + landmarks + recognition + age/gender nets) and per photo overall.
 *
 * Embeddings are cached per variant in .bench/embedding-eval/<variant>.json (git-ignored); --refresh recomputes.
 *
 * Flags: --variants mesh-box,dlib-mesh,dlib-landmark68  --workers 2  --per-identity 4  --refresh
 *        A variant ending in `+flip` (e.g. dlib-mesh+flip) averages each descriptor with its mirror's (descriptorFlip).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFaceEngine } from '../src/local/engine/create-face-engine';
import type { DescriptorAlignment } from '../src/local/engine/face-analyzer';
import type { AnalyzedPhoto, DetectedFace } from '../src/local/engine/face-engine';
import { type ManifestRow, readManifest } from './dev-manifest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEV = path.resolve(ROOT, '../shared/datasets/faces-dev');
const CACHE = path.join(ROOT, '.bench', 'embedding-eval');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** An alignment, optionally with `+flip`. */
type Variant = DescriptorAlignment | `${DescriptorAlignment}+flip`;
const variants = flag('variants', 'mesh-box,dlib-mesh,dlib-landmark68').split(',') as Variant[];
const workers = Number(flag('workers', '2'));
const perIdentity = Number(flag('per-identity', '4'));
const refresh = process.argv.includes('--refresh');

interface Labelled {
  path: string;
  person: string;
}

/** First `perIdentity` photos of identities with at least that many, plus all distractors (1–2 photos). */
function subset(rows: ManifestRow[]): Labelled[] {
  const byPerson = new Map<string, ManifestRow[]>();
  for (const r of rows) {
    if (r.path.startsWith('_') || !r.person || r.person.includes('|')) continue;
    const list = byPerson.get(r.person) ?? [];
    list.push(r);
    byPerson.set(r.person, list);
  }
  const out: Labelled[] = [];
  const fileNo = (p: string) => Number(/(\d+)\.\w+$/.exec(p)?.[1] ?? 0);
  for (const [person, list] of [...byPerson].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    list.sort((a, b) => fileNo(a.path) - fileNo(b.path));
    const distractor = list.every((r) =>
      r.notes
        .split(';')
        .map((t) => t.trim())
        .includes('distractor'),
    );
    if (list.length >= perIdentity)
      out.push(...list.slice(0, perIdentity).map((r) => ({ path: r.path, person })));
    else if (distractor) out.push(...list.map((r) => ({ path: r.path, person })));
  }
  return out;
}

interface CachedPhoto {
  path: string;
  faces: number;
  /** Embedding of the face nearest the image centre (null: no face). */
  embedding: number[] | null;
  describeCpuMs: number;
  totalCpuMs: number;
}

function centreFace(photo: AnalyzedPhoto): DetectedFace | null {
  const cx = photo.width / 2;
  const cy = photo.height / 2;
  let best: DetectedFace | null = null;
  let bestD = Infinity;
  for (const f of photo.faces) {
    const d = Math.hypot(f.box.left + f.box.width / 2 - cx, f.box.top + f.box.height / 2 - cy);
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return best;
}

async function embedAll(variant: Variant, photos: Labelled[]): Promise<CachedPhoto[]> {
  const file = path.join(CACHE, `${variant}.json`);
  if (!refresh && existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { paths: string[]; photos: CachedPhoto[] };
    if (cached.paths.join('\n') === photos.map((p) => p.path).join('\n')) return cached.photos;
  }
  const engine = await createFaceEngine({
    workers,
    descriptorAlignment: variant.replace(/\+flip$/, '') as DescriptorAlignment,
    descriptorFlip: variant.endsWith('+flip'),
  });
  const out: CachedPhoto[] = new Array(photos.length);
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < photos.length) {
      const i = next++;
      const { photo, timings } = await engine.analyzeWithTimings({ path: path.join(DEV, photos[i]!.path) });
      const face = centreFace(photo);
      out[i] = {
        path: photos[i]!.path,
        faces: photo.faces.length,
        embedding: face ? Array.from(face.embedding) : null,
        describeCpuMs: timings.cpuStages.describe,
        totalCpuMs: timings.cpu,
      };
      if (++done % 250 === 0)
        console.error(
          `# ${variant}: ${done}/${photos.length} ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
    }
  };
  try {
    await Promise.all(Array.from({ length: engine.concurrency * 2 }, lane));
  } finally {
    await engine.close();
  }
  console.error(
    `# ${variant}: ${photos.length} photos in ${((performance.now() - t0) / 1000).toFixed(0)} s (wall, ${workers} workers)`,
  );
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, JSON.stringify({ paths: photos.map((p) => p.path), photos: out }));
  return out;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Fraction of `sorted` strictly below t (binary search). */
function below(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}

/** AUC = P(same-person distance < different-person distance), ties count half (Mann–Whitney on merged sorts). */
function auc(same: Float64Array, diff: Float64Array): number {
  let wins = 0;
  let j = 0;
  let k = 0;
  for (const s of same) {
    while (j < diff.length && diff[j]! <= s) j++;
    while (k < diff.length && diff[k]! < s) k++;
    wins += diff.length - j + (j - k) / 2;
  }
  return wins / (same.length * diff.length);
}

function evaluate(photos: Labelled[], emb: (number[] | null)[], keep: boolean[]) {
  const idx = photos.map((_, i) => i).filter((i) => keep[i]);
  const n = idx.length;
  const dim = emb[idx[0]!]!.length;
  const X = new Float32Array(n * dim);
  idx.forEach((i, r) => {
    X.set(emb[i]!, r * dim);
  });
  const same: number[] = [];
  const diffAll = new Float64Array((n * (n - 1)) / 2);
  let nd = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = X[a * dim + k]! - X[b * dim + k]!;
        s += d * d;
      }
      const dist = Math.sqrt(s);
      if (photos[idx[a]!]!.person === photos[idx[b]!]!.person) same.push(dist);
      else diffAll[nd++] = dist;
    }
  }
  const S = Float64Array.from(same).sort();
  const D = diffAll.subarray(0, nd).sort();
  const at = (fpr: number) => {
    const t = quantile(D, fpr);
    return { threshold: +t.toFixed(3), tpr: +below(S, t).toFixed(3) };
  };
  return {
    faces: n,
    samePairs: S.length,
    diffPairs: D.length,
    auc: +auc(S, D).toFixed(5),
    atFpr1e3: at(1e-3),
    atFpr1e2: at(1e-2),
    sameP5P50P95: [0.05, 0.5, 0.95].map((q) => +quantile(S, q).toFixed(3)),
    diffP01P1P5: [0.001, 0.01, 0.05].map((q) => +quantile(D, q).toFixed(3)),
    tprFprAt: [0.45, 0.5, 0.55, 0.6].map((t) => ({
      t,
      tpr: +below(S, t).toFixed(3),
      fpr: +below(D, t).toFixed(5),
    })),
  };
}

async function main(): Promise<void> {
  const photos = subset(readManifest(DEV));
  const identities = new Set(photos.map((p) => p.person)).size;
  console.log(
    `# bench:embedding  ${photos.length} photos, ${identities} identities  cores=${os.availableParallelism()}  loadavg=${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results = new Map<Variant, CachedPhoto[]>();
  for (const v of variants) results.set(v, await embedAll(v, photos));
  // Same faces for every variant: photos where every variant found a face (detection does not depend on the variant).
  const keep = photos.map((_, i) => variants.every((v) => results.get(v)![i]!.embedding !== null));
  console.log(
    `# labelled photos with a face in every variant: ${keep.filter(Boolean).length}/${photos.length}`,
  );
  for (const v of variants) {
    const rows = results.get(v)!;
    const faces = rows.reduce((s, r) => s + r.faces, 0);
    const describeCpu = rows.reduce((s, r) => s + r.describeCpuMs, 0);
    const totalCpu = rows.reduce((s, r) => s + r.totalCpuMs, 0);
    const metrics = evaluate(
      photos,
      rows.map((r) => r.embedding),
      keep,
    );
    console.log(
      JSON.stringify({
        variant: v,
        ...metrics,
        describeCpuMsPerFace: +(describeCpu / Math.max(1, faces)).toFixed(1),
        cpuMsPerPhoto: +(totalCpu / rows.length).toFixed(1),
        facesPerPhoto: +(faces / rows.length).toFixed(2),
      }),
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

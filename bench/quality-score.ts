/**
 * Clustering quality on faces-dev: scoring (BCubed, pairwise, distractor contamination, same-photo merges)
 * and two reference clusterings on the same embeddings — an Immich-style incremental DBSCAN baseline and
 * our PersonClusterer run directly (for tuning without the CLI). Used by bench/quality.ts.
 *
 * Ground truth: for each photo with one named identity, the detected face nearest the image centre is the
 * labelled face (dataset README); all other faces are unlabelled. "Core" identities have ≥ 3 photos.
 */
import hnswlib from 'hnswlib-node';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { type ClustererOptions, PersonClusterer } from '../src/local/cluster/person-clusterer';
import type { ManifestRow } from './dev-manifest';

export interface ExportFace {
  box: { left: number; top: number; width: number; height: number };
  personId: string | null;
  quality: number | null;
  clusterable: boolean;
  embedding?: number[] | null;
  /** The face's index in its photo's analysis (read from an album.db; absent in exports). */
  idx?: number;
}
export interface ExportPhoto {
  path: string;
  /** Null when the album did not record it (LFW size assumed then). */
  width: number | null;
  height: number | null;
  faces: ExportFace[];
}
export interface ExportFile {
  people: { id: string; name: string | null; faceCount: number; imageCount: number }[];
  photos: ExportPhoto[];
}

/** One detected face flattened, with its ground-truth label (null = unlabelled). */
export interface ScoredFace {
  photoIndex: number;
  faceIndex: number;
  embedding: Float32Array | null;
  clusterable: boolean;
  label: string | null;
}

export interface Truth {
  faces: ScoredFace[];
  /** Photos per identity in the scored photo set (core = ≥ 3). */
  photosPerIdentity: Map<string, number>;
}

/** Labels faces: the face nearest the image centre in single-identity photos. */
export function buildTruth(photos: ExportPhoto[], manifest: ManifestRow[]): Truth {
  const byPath = new Map(manifest.map((r) => [r.path, r]));
  const photosPerIdentity = new Map<string, number>();
  for (const p of photos) {
    const person = byPath.get(p.path)?.person ?? '';
    if (person && !person.includes('|'))
      photosPerIdentity.set(person, (photosPerIdentity.get(person) ?? 0) + 1);
  }
  const faces: ScoredFace[] = [];
  photos.forEach((p, photoIndex) => {
    const person = byPath.get(p.path)?.person ?? '';
    const labelled = person && !person.includes('|') ? person : null;
    let central = -1;
    let bestD = Infinity;
    // LFW photos are 250×250; unknown sizes fall back to that (all labelled photos but 4 are LFW).
    const w = p.width ?? 250;
    const h = p.height ?? 250;
    p.faces.forEach((f, i) => {
      const dx = f.box.left + f.box.width / 2 - w / 2;
      const dy = f.box.top + f.box.height / 2 - h / 2;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        central = i;
      }
    });
    p.faces.forEach((f, faceIndex) => {
      faces.push({
        photoIndex,
        faceIndex,
        embedding: f.embedding && f.embedding.length > 0 ? Float32Array.from(f.embedding) : null,
        clusterable: f.clusterable,
        label: labelled !== null && faceIndex === central ? labelled : null,
      });
    });
  });
  return { faces, photosPerIdentity };
}

export interface QualityScores {
  persons: number;
  coreFaces: number;
  coreAssignedShare: number;
  bcubedP: number;
  bcubedR: number;
  bcubedF: number;
  pairP: number;
  pairR: number;
  pairF: number;
  distractorFaces: number;
  distractorWrongShare: number;
  sameImageMerges: number;
}

const f1 = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const r4 = (x: number): number => Math.round(x * 10000) / 10000;

/**
 * @param assignment person id per face (same order as truth.faces), null = unassigned (own singleton)
 */
export function score(truth: Truth, assignment: (string | null)[]): QualityScores {
  const isCore = (label: string | null): label is string =>
    label !== null && (truth.photosPerIdentity.get(label) ?? 0) >= 3;
  const core = truth.faces.map((f, i) => ({ f, i })).filter(({ f }) => isCore(f.label));

  // Person → core-label counts (only core labelled faces are the BCubed universe).
  const clusterCounts = new Map<string, Map<string, number>>();
  const clusterSize = new Map<string, number>();
  const labelSize = new Map<string, number>();
  for (const { f, i } of core) {
    labelSize.set(f.label!, (labelSize.get(f.label!) ?? 0) + 1);
    const p = assignment[i];
    if (p == null) continue;
    const m = clusterCounts.get(p) ?? new Map<string, number>();
    m.set(f.label!, (m.get(f.label!) ?? 0) + 1);
    clusterCounts.set(p, m);
    clusterSize.set(p, (clusterSize.get(p) ?? 0) + 1);
  }
  let bp = 0;
  let br = 0;
  let assigned = 0;
  for (const { f, i } of core) {
    const p = assignment[i];
    const same = p == null ? 1 : clusterCounts.get(p)!.get(f.label!)!;
    const size = p == null ? 1 : clusterSize.get(p)!;
    if (p != null) assigned++;
    bp += same / size;
    br += same / labelSize.get(f.label!)!;
  }
  const n = core.length || 1;
  bp /= n;
  br /= n;

  let tp = 0;
  let predPairs = 0;
  let truePairs = 0;
  for (const m of clusterCounts.values()) {
    let total = 0;
    for (const c of m.values()) {
      tp += (c * (c - 1)) / 2;
      total += c;
    }
    predPairs += (total * (total - 1)) / 2;
  }
  for (const c of labelSize.values()) truePairs += (c * (c - 1)) / 2;
  const pairP = predPairs > 0 ? tp / predPairs : 1;
  const pairR = truePairs > 0 ? tp / truePairs : 1;

  // Distractors: labelled faces of 1–2-photo identities that land in a person led by someone else.
  const majority = new Map<string, string>();
  const allLabelCounts = new Map<string, Map<string, number>>();
  truth.faces.forEach((f, i) => {
    const p = assignment[i];
    if (p == null || f.label === null) return;
    const m = allLabelCounts.get(p) ?? new Map<string, number>();
    m.set(f.label, (m.get(f.label) ?? 0) + 1);
    allLabelCounts.set(p, m);
  });
  for (const [p, m] of allLabelCounts) majority.set(p, [...m].sort((a, b) => b[1] - a[1])[0]![0]);
  let distractors = 0;
  let wrong = 0;
  truth.faces.forEach((f, i) => {
    if (f.label === null || isCore(f.label)) return;
    distractors++;
    const p = assignment[i];
    if (p != null && majority.get(p) !== f.label) wrong++;
  });

  // Same-image merges: pairs of faces of one photo sharing a person.
  let sameImage = 0;
  const seen = new Map<string, number>();
  truth.faces.forEach((f, i) => {
    const p = assignment[i];
    if (p == null) return;
    const key = `${f.photoIndex}\u0000${p}`;
    const c = seen.get(key) ?? 0;
    sameImage += c;
    seen.set(key, c + 1);
  });

  return {
    persons: new Set(assignment.filter((p) => p != null)).size,
    coreFaces: core.length,
    coreAssignedShare: r4(assigned / n),
    bcubedP: r4(bp),
    bcubedR: r4(br),
    bcubedF: r4(f1(bp, br)),
    pairP: r4(pairP),
    pairR: r4(pairR),
    pairF: r4(f1(pairP, pairR)),
    distractorFaces: distractors,
    distractorWrongShare: r4(distractors ? wrong / distractors : 0),
    sameImageMerges: sameImage,
  };
}

/** The clustering an export file already holds. */
export function exportedAssignment(photos: ExportPhoto[]): (string | null)[] {
  return photos.flatMap((p) => p.faces.map((f) => f.personId));
}

export interface ImmichOptions {
  /** Immich default 0.5 (cosine distance). */
  maxDistance: number;
  /** Immich default 3. */
  minFaces: number;
}

/**
 * Immich's facial-recognition job, on these embeddings: faces in order; a face is "core" when at least
 * minFaces faces (itself included) lie within maxDistance. It takes the person of the first such match
 * that has one, else of the nearest assigned face within maxDistance; a core face without one founds a
 * new person. Non-core faces are deferred and, in a second pass, only join (nearest assigned face).
 * No same-photo constraint (Immich has none).
 */
export function immichBaseline(truth: Truth, opts: ImmichOptions): (string | null)[] {
  const faces = truth.faces;
  const dim = faces.find((f) => f.embedding)?.embedding?.length ?? 128;
  const all = new hnswlib.HierarchicalNSW('cosine', dim);
  all.initIndex({ maxElements: faces.length + 1, m: 16, efConstruction: 100, randomSeed: 7 });
  all.setEf(100);
  const withPerson = new hnswlib.HierarchicalNSW('cosine', dim);
  withPerson.initIndex({ maxElements: faces.length + 1, m: 16, efConstruction: 100, randomSeed: 7 });
  withPerson.setEf(100);
  faces.forEach((f, i) => {
    if (f.embedding) all.addPoint(Array.from(f.embedding), i);
  });
  const person: (string | null)[] = faces.map(() => null);
  let assignedCount = 0;
  let next = 1;
  const assign = (i: number, p: string): void => {
    person[i] = p;
    withPerson.addPoint(Array.from(faces[i]!.embedding!), i);
    assignedCount++;
  };
  const nearestWithPerson = (v: number[]): string | null => {
    if (assignedCount === 0) return null;
    const r = withPerson.searchKnn(v, 1);
    return r.neighbors.length > 0 && r.distances[0]! <= opts.maxDistance ? person[r.neighbors[0]!]! : null;
  };
  const deferred: number[] = [];
  faces.forEach((f, i) => {
    if (!f.embedding) return;
    const v = Array.from(f.embedding);
    const r = all.searchKnn(v, Math.min(opts.minFaces, faces.length));
    const matches = r.neighbors.filter((_, k) => r.distances[k]! <= opts.maxDistance);
    if (opts.minFaces > 1 && matches.length <= 1) return;
    let p: string | null = null;
    for (const m of matches)
      if (person[m]) {
        p = person[m]!;
        break;
      }
    p ??= nearestWithPerson(v);
    const isCore = matches.length >= opts.minFaces;
    if (!isCore) {
      deferred.push(i);
      return;
    }
    p ??= `immich-${next++}`;
    assign(i, p);
  });
  for (const i of deferred) {
    const p = nearestWithPerson(Array.from(faces[i]!.embedding!));
    if (p) assign(i, p);
  }
  return person;
}

/** PersonClusterer straight on the embeddings: photos in order through addFaces (a scan), then recluster. */
export function ourClusterer(
  truth: Truth,
  opts: Partial<ClustererOptions> = {},
): { incremental: (string | null)[]; reclustered: (string | null)[] } {
  const c = new PersonClusterer(opts);
  const cfs: ClusterFace[] = [];
  truth.faces.forEach((f, i) => {
    if (!f.embedding) return;
    cfs.push({
      id: i + 1,
      photoId: f.photoIndex + 1,
      embedding: f.embedding,
      clusterable: f.clusterable,
      personId: null,
      pinnedPersonId: null,
      rejectedPersonIds: [],
    });
  });
  c.addFaces(cfs);
  const incremental = truth.faces.map((_, i) => c.personOf(i + 1));
  c.recluster();
  const reclustered = truth.faces.map((_, i) => c.personOf(i + 1));
  return { incremental, reclustered };
}

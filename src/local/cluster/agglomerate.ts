import { type CentroidStats, type Linkage, link as linkOf } from './centroid-stats';
import type { SeenSpan } from './cluster-types';
import { MinHeap } from './min-heap';
import type { VideoSightings } from './video-sightings';

/**
 * Constrained average-linkage agglomeration over a sparse candidate graph (the k-NN graph from the HNSW
 * index). Only groups joined by a candidate edge are ever compared, but the comparison itself is exact
 * average linkage (RMS over all member pairs, see CentroidStats), so a single close pair cannot chain
 * two big groups together. Cannot-link: groups sharing a photo (in a video: a frame, see VideoSightings),
 * groups pinned to different persons, a pinned group with a face that rejected that person, and a pinned
 * group with a face another person holds never merge (a user's pin speaks for its faces only: a face
 * moved by hand must not pull the look-alikes it left behind into its new person).
 *
 * Queue entries go stale when a group merges; a stale entry is re-evaluated for the groups its ends now
 * belong to when it surfaces (lazy update), so a merge costs O(log E) instead of touching every neighbour
 * of a big group. Because the d²-average of a union lies between its parts' values, stale keys are close
 * lower bounds and the merge order stays near-exact.
 */
export interface SeedGroup {
  faceIds: number[];
  stats: CentroidStats;
  photoIds: Set<number>;
  pinnedPersonId: string | null;
  rejected: Set<string>;
  /** The members' video tracks' spans (absent: a shared video clashes, as a shared photo does). */
  sightings?: VideoSightings;
  /** Persons the members are on now (unpinned members; absent = none). */
  heldBy?: Set<string>;
}

interface Candidate {
  a: number;
  b: number;
  va: number;
  vb: number;
}

const heldElsewhere = (g: SeedGroup, personId: string): boolean =>
  g.heldBy !== undefined && [...g.heldBy].some((p) => p !== personId);

/** Moves `gone`'s faces, photos, rejections, holders and pin into `keep` (the caller checked canMerge). */
export function mergeGroup(keep: SeedGroup, gone: SeedGroup): void {
  for (const f of gone.faceIds) keep.faceIds.push(f);
  keep.stats.absorb(gone.stats);
  for (const p of gone.photoIds) keep.photoIds.add(p);
  for (const r of gone.rejected) keep.rejected.add(r);
  if (gone.sightings) keep.sightings?.absorb(gone.sightings);
  if (gone.heldBy) keep.heldBy = new Set([...(keep.heldBy ?? []), ...gone.heldBy]);
  keep.pinnedPersonId ??= gone.pinnedPersonId;
}

/** Whether two groups may share a person (the cannot-link rules above). */
export function canMerge(a: SeedGroup, b: SeedGroup): boolean {
  if (a.pinnedPersonId && b.pinnedPersonId && a.pinnedPersonId !== b.pinnedPersonId) return false;
  if (a.pinnedPersonId && (b.rejected.has(a.pinnedPersonId) || heldElsewhere(b, a.pinnedPersonId)))
    return false;
  if (b.pinnedPersonId && (a.rejected.has(b.pinnedPersonId) || heldElsewhere(a, b.pinnedPersonId)))
    return false;
  const [small, big] =
    a.photoIds.size <= b.photoIds.size ? [a.photoIds, b.photoIds] : [b.photoIds, a.photoIds];
  for (const p of small)
    if (big.has(p) && !(a.sightings && b.sightings && a.sightings.admitsAll(b.sightings, p))) return false;
  return true;
}

/** Whether a face of `photoId` (seen at `spans`, a video face) may not join `g`: a photo or frame in common. */
export const clashes = (g: SeedGroup, photoId: number, spans: readonly SeenSpan[] | undefined): boolean =>
  g.photoIds.has(photoId) && !g.sightings?.admits(photoId, spans);

/**
 * @param seeds initial groups (singletons, or pinned persons' faces); merged in place
 * @param edges candidate pairs as seed indices
 * @returns the final groups, in seed order of their surviving root
 */
export function agglomerate(
  seeds: SeedGroup[],
  edges: Iterable<[number, number]>,
  threshold: number,
  linkage: Linkage = 'average',
): SeedGroup[] {
  const parent = new Int32Array(seeds.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const version = new Int32Array(seeds.length);
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[x] !== r) {
      const next = parent[x]!;
      parent[x] = r;
      x = next;
    }
    return r;
  };

  const heap = new MinHeap<Candidate>();
  const consider = (a: number, b: number): void => {
    const link = linkOf(seeds[a]!.stats, seeds[b]!.stats, linkage);
    if (link < threshold) heap.push(link, { a, b, va: version[a]!, vb: version[b]! });
  };
  for (const [a, b] of edges) if (a !== b) consider(a, b);

  while (heap.size > 0) {
    const c = heap.pop()!;
    const ra = find(c.a);
    const rb = find(c.b);
    if (ra === rb) continue;
    if (ra !== c.a || rb !== c.b || version[ra] !== c.va || version[rb] !== c.vb) {
      consider(ra, rb);
      continue;
    }
    const ga = seeds[ra]!;
    const gb = seeds[rb]!;
    // Photo sets, pins and holders only grow, so a refused pair stays refused.
    if (!canMerge(ga, gb)) continue;
    const [keep, gone, keepIdx, goneIdx] =
      ga.faceIds.length >= gb.faceIds.length ? [ga, gb, ra, rb] : [gb, ga, rb, ra];
    mergeGroup(keep, gone);
    parent[goneIdx] = keepIdx;
    version[keepIdx]!++;
    gone.faceIds = [];
  }
  const out: SeedGroup[] = [];
  for (let i = 0; i < seeds.length; i++) if (find(i) === i) out.push(seeds[i]!);
  return out;
}
